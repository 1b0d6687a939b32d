//! Correcting what was typed: while an application is a draft or has been returned, the
//! applicant edits its fields (the operation type stays; every check of `/apply` applies). A
//! change of the company name, the credit code or an ID number checks the documents already
//! uploaded again against the new values (their check jobs run again; no re-upload when the
//! scan was right and the typing wrong). The edit is audited with the names of the fields that
//! changed, never their values.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::apply::{ApplyForm, FieldErrors, organisation_for};
use crate::audit::{self, Actor};
use crate::db::begin_write;
use crate::entities::application;
use crate::jobs::check_document::{self, CheckDocument};
use crate::jobs::queue::{self, NewJob};
use crate::review::ApplicationState;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the form has {} wrong fields", .0.len())]
    Invalid(FieldErrors),
    #[error("the application can no longer be edited")]
    NotEditable,
    #[error("the application was changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl EditError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "application.invalid",
            Self::NotEditable => "application.not_editable",
            Self::Conflict => "application.conflict",
            Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Invalid(e) => format!("有 {} 项需要修改，请查看下方标红的内容。", e.len()),
            Self::NotEditable => "申请已提交审核，不能再修改填写的信息。如需更正，请联系客服。".into(),
            Self::Conflict => "申请信息刚刚发生了变化，请刷新页面后重新修改。".into(),
            Self::Db(_) => "系统繁忙，请稍后再试".into(),
        }
    }
}

/// Whether an application in `state` may be edited by its applicant.
pub fn editable(state: &str) -> bool {
    state == ApplicationState::Draft.as_str() || state == ApplicationState::Returned.as_str()
}

/// The form as the application holds it now (for the edit page).
pub fn form_of(
    app: &application::Model,
    contact_phone: &str,
    office_phone: &str,
    website: &str,
) -> ApplyForm {
    ApplyForm {
        operation_type: app.operation_type.clone(),
        certificate_type: app.certificate_type.clone(),
        validity_years: app.validity_years.to_string(),
        delivery: app.delivery.clone(),
        company_name: app.company_name.clone(),
        company_uscc: app.company_uscc.clone(),
        legal_rep_name: app.legal_rep_name.clone(),
        legal_rep_id_number: app.legal_rep_id_number.clone(),
        contact_phone: contact_phone.into(),
        office_phone: office_phone.into(),
        website: website.into(),
        operator_name: app.operator_name.clone(),
        operator_id_number: app.operator_id_number.clone(),
        operator_mobile: app.operator_mobile.clone(),
        operator_email: app.operator_email.clone(),
        operator_wechat: app.operator_wechat.clone().unwrap_or_default(),
        mailing_address: app.mailing_address.clone(),
        declaration: "1".into(),
        key: app.version.to_string(),
    }
}

/// What an edit changed: the fields' Chinese names, and how many uploads are checked again.
#[derive(Debug)]
pub struct Edited {
    pub changed: Vec<&'static str>,
    pub rechecked: usize,
}

/// Applies `form` (its `key` carries the version the page was drawn from) to `app_id`.
pub async fn update(
    db: &DatabaseConnection,
    app_id: i32,
    form: &ApplyForm,
    max_attempts: i32,
) -> Result<Edited, EditError> {
    let txn = begin_write(db).await?;
    let app = application::Entity::find_by_id(app_id).one(&txn).await?.ok_or(EditError::NotEditable)?;
    if !editable(&app.state) {
        return Err(EditError::NotEditable);
    }
    if form.key.trim() != app.version.to_string() {
        return Err(EditError::Conflict);
    }
    let mut form = form.clone();
    form.operation_type = app.operation_type.clone();
    let v = form.check().map_err(EditError::Invalid)?;
    let now = chrono::Utc::now();
    let wechat = Some(form.operator_wechat.trim().to_string()).filter(|s| !s.is_empty());
    use application::Column as C;
    let fields: [(&'static str, C, String, String, bool); 13] = [
        ("证书类型", C::CertificateType, app.certificate_type.clone(), v.certificate.as_str().into(), false),
        ("有效期", C::ValidityYears, app.validity_years.to_string(), v.years.to_string(), false),
        ("领取方式", C::Delivery, app.delivery.clone(), v.delivery.as_str().into(), false),
        ("单位名称", C::CompanyName, app.company_name.clone(), form.company_name.trim().into(), true),
        ("统一社会信用代码", C::CompanyUscc, app.company_uscc.clone(), v.uscc.as_str().into(), true),
        (
            "法定代表人姓名",
            C::LegalRepName,
            app.legal_rep_name.clone(),
            form.legal_rep_name.trim().into(),
            false,
        ),
        (
            "法定代表人身份证号",
            C::LegalRepIdNumber,
            app.legal_rep_id_number.clone(),
            v.legal_rep_id.as_str().into(),
            true,
        ),
        ("经办人姓名", C::OperatorName, app.operator_name.clone(), form.operator_name.trim().into(), false),
        (
            "经办人身份证号",
            C::OperatorIdNumber,
            app.operator_id_number.clone(),
            v.operator_id.as_str().into(),
            true,
        ),
        ("经办人手机", C::OperatorMobile, app.operator_mobile.clone(), v.mobile.as_str().into(), false),
        ("电子邮箱", C::OperatorEmail, app.operator_email.clone(), v.email.as_str().into(), false),
        (
            "微信号",
            C::OperatorWechat,
            app.operator_wechat.clone().unwrap_or_default(),
            wechat.clone().unwrap_or_default(),
            false,
        ),
        (
            "邮寄地址",
            C::MailingAddress,
            app.mailing_address.clone(),
            form.mailing_address.trim().into(),
            false,
        ),
    ];
    let mut update = application::Entity::update_many()
        .col_expr(C::Version, Expr::value(app.version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now));
    let (mut changed, mut recheck) = (Vec::new(), false);
    for (label, col, old, new, checked) in fields {
        if old == new {
            continue;
        }
        changed.push(label);
        recheck |= checked;
        update = match col {
            C::ValidityYears => update.col_expr(col, Expr::value(v.years)),
            C::OperatorWechat => update.col_expr(col, Expr::value(wechat.clone())),
            _ => update.col_expr(col, Expr::value(new)),
        };
    }
    if changed.is_empty() {
        return Ok(Edited { changed, rechecked: 0 });
    }
    if app.company_uscc != v.uscc.as_str() {
        let org = organisation_for(&txn, &v, &form, now).await?;
        update = update.col_expr(C::OrganisationId, Expr::value(org.id));
    }
    let res = update.filter(C::Id.eq(app_id)).filter(C::Version.eq(app.version)).exec(&txn).await?;
    if res.rows_affected != 1 {
        return Err(EditError::Conflict);
    }
    let mut rechecked = 0;
    if recheck {
        for doc in crate::review::decide::current_documents(&txn, app_id).await? {
            // Deduplicated with a job already waiting for this document (it reads the new values
            // when it runs); one already running sees the change before it stores its report.
            let job = NewJob::new(check_document::KIND, CheckDocument { document_id: doc.id }, max_attempts)
                .dedupe(format!("check_document:{}", doc.id));
            queue::enqueue(&txn, job).await?;
            rechecked += 1;
        }
    }
    let detail = serde_json::json!({ "fields": changed, "rechecked": rechecked });
    audit::record(
        &txn,
        audit::Entry {
            actor: Actor::Applicant,
            action: "application.edited",
            application_id: Some(app_id),
            document_id: None,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Edited { changed, rechecked })
}
