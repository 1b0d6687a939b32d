//! Starting an application: the applicant's form, every field checked (check digits included)
//! with a Chinese message per field, then the organisation (found by its credit code or
//! created) and the application in state `draft`, in one transaction. The form's one-time key
//! makes a double-clicked submit create one application.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::db::begin_write;
use crate::domain::{CertificateType, Delivery, Email, Mobile, OperationType, OrderNumber, ResidentId, Uscc};
use crate::entities::{application, organisation};
use crate::review::ApplicationState;

/// Whole years a certificate may be bought for.
pub const VALIDITY_YEARS: std::ops::RangeInclusive<i32> = 1..=5;

/// The application form (附件一) as typed. Every field is text so a wrong value comes back to
/// the applicant as typed, with its message.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ApplyForm {
    pub operation_type: String,
    pub certificate_type: String,
    pub validity_years: String,
    pub delivery: String,
    pub company_name: String,
    pub company_uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    pub contact_phone: String,
    pub office_phone: String,
    pub website: String,
    pub operator_name: String,
    pub operator_id_number: String,
    pub operator_mobile: String,
    pub operator_email: String,
    pub operator_wechat: String,
    pub mailing_address: String,
    /// The declaration tick (本单位承诺所提交材料真实有效).
    pub declaration: String,
    /// One-time key of the form as it was served.
    pub key: String,
}

/// Field name → what is wrong with it, in Chinese.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// A form that passed every check.
pub(crate) struct Valid {
    pub(crate) operation: OperationType,
    pub(crate) certificate: CertificateType,
    pub(crate) years: i32,
    pub(crate) delivery: Delivery,
    pub(crate) uscc: Uscc,
    pub(crate) legal_rep_id: ResidentId,
    pub(crate) operator_id: ResidentId,
    pub(crate) mobile: Mobile,
    pub(crate) email: Email,
    pub(crate) contact_phone: Mobile,
}

fn required(errors: &mut FieldErrors, field: &'static str, value: &str, what: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.insert(field, format!("请填写{what}"));
    } else if n > max {
        errors.insert(field, format!("{what}不能超过{max}个字"));
    }
}

fn parsed<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    r: Result<T, crate::domain::ParseError>,
) -> Option<T> {
    r.map_err(|e| errors.insert(field, e.message_zh())).ok()
}

fn choice<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    what: &str,
) -> Option<T> {
    value.parse().map_err(|_| errors.insert(field, format!("请选择{what}"))).ok()
}

impl ApplyForm {
    /// Every problem of the form at once, or the typed values.
    pub(crate) fn check(&self) -> Result<Valid, FieldErrors> {
        let mut e = FieldErrors::new();
        let operation = choice::<OperationType>(&mut e, "operation_type", &self.operation_type, "操作类型");
        let certificate =
            choice::<CertificateType>(&mut e, "certificate_type", &self.certificate_type, "证书类型");
        let delivery = choice::<Delivery>(&mut e, "delivery", &self.delivery, "领取方式");
        let years = self.validity_years.trim().parse::<i32>().ok().filter(|y| VALIDITY_YEARS.contains(y));
        if years.is_none() {
            e.insert(
                "validity_years",
                format!("请选择{}–{}年的有效期", VALIDITY_YEARS.start(), VALIDITY_YEARS.end()),
            );
        }
        required(&mut e, "company_name", &self.company_name, "单位名称", 100);
        required(&mut e, "legal_rep_name", &self.legal_rep_name, "法定代表人姓名", 40);
        required(&mut e, "operator_name", &self.operator_name, "经办人姓名", 40);
        required(&mut e, "mailing_address", &self.mailing_address, "邮寄地址", 200);
        for (field, value, what) in [
            ("office_phone", &self.office_phone, "办公电话"),
            ("website", &self.website, "单位网址"),
            ("operator_wechat", &self.operator_wechat, "微信号"),
        ] {
            if value.trim().chars().count() > 100 {
                e.insert(field, format!("{what}不能超过100个字"));
            }
        }
        let uscc = parsed(&mut e, "company_uscc", Uscc::parse(&self.company_uscc));
        let legal_rep_id =
            parsed(&mut e, "legal_rep_id_number", ResidentId::parse(&self.legal_rep_id_number));
        let operator_id = parsed(&mut e, "operator_id_number", ResidentId::parse(&self.operator_id_number));
        let mobile = parsed(&mut e, "operator_mobile", Mobile::parse(&self.operator_mobile));
        let contact_phone = parsed(&mut e, "contact_phone", Mobile::parse(&self.contact_phone));
        let email = parsed(&mut e, "operator_email", Email::parse(&self.operator_email));
        if self.declaration.is_empty() {
            e.insert("declaration", "请阅读并勾选承诺".into());
        }
        match (
            operation,
            certificate,
            years,
            delivery,
            uscc,
            legal_rep_id,
            operator_id,
            mobile,
            email,
            contact_phone,
        ) {
            (
                Some(operation),
                Some(certificate),
                Some(years),
                Some(delivery),
                Some(uscc),
                Some(legal_rep_id),
                Some(operator_id),
                Some(mobile),
                Some(email),
                Some(contact_phone),
            ) if e.is_empty() => Ok(Valid {
                operation,
                certificate,
                years,
                delivery,
                uscc,
                legal_rep_id,
                operator_id,
                mobile,
                email,
                contact_phone,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the form has {} wrong fields", .0.len())]
    Invalid(FieldErrors),
    /// The key was used before by this creator for a different form, or too long ago: never a
    /// way to reach the application it created.
    #[error("intake key already used for another form")]
    KeyConflict,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ApplyError {
    pub const CONFLICT_CODE: &'static str = "application.key_conflict";
    pub const CONFLICT_ZH: &'static str =
        "这份申请表已经提交过，内容与本次不同。如确需另行申请，请核对下方内容后再次提交";
}

/// Who is creating an application: the key deduplicates only the same creator's retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creator {
    /// Anyone, through the web form (`/apply`).
    Public,
    /// A staff account through the intake API (an integration account or an admin).
    Staff { id: i32, integration: bool },
}

impl Creator {
    fn scope(self) -> String {
        match self {
            Self::Public => "public".into(),
            Self::Staff { id, .. } => format!("staff:{id}"),
        }
    }

    fn actor(self) -> Actor {
        match self {
            Self::Public => Actor::Applicant,
            Self::Staff { id, .. } => Actor::Staff(id),
        }
    }
}

/// How long a public form's key answers its retry (a double click, a reload after a network
/// error); an API account's key answers its own retries for good.
const PUBLIC_KEY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// SHA-256 over every field of the form but the key: what a retry must repeat exactly.
fn form_hash(form: &ApplyForm) -> String {
    use sha2::Digest;
    let mut f = form.clone();
    f.key.clear();
    let json = serde_json::to_vec(&f).unwrap_or_default();
    hex::encode(sha2::Sha256::digest(&json))
}

/// The new application, or the one this form's key already created.
pub struct Created {
    pub application: application::Model,
    pub already: bool,
}

/// What a key already stored by `creator` answers: the same form again is its retry, anything
/// else a conflict.
fn replay(existing: application::Model, creator: Creator, hash: &str) -> Result<Created, ApplyError> {
    let fresh = chrono::Utc::now() - existing.created_at < PUBLIC_KEY_WINDOW;
    let same = existing.intake_hash.as_deref() == Some(hash);
    if same && (fresh || creator != Creator::Public) {
        Ok(Created { application: existing, already: true })
    } else {
        Err(ApplyError::KeyConflict)
    }
}

/// The organisation of the form's credit code: found, or created from the form.
pub(crate) async fn organisation_for(
    txn: &impl sea_orm::ConnectionTrait,
    v: &Valid,
    form: &ApplyForm,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<organisation::Model, DbErr> {
    if let Some(o) =
        organisation::Entity::find().filter(organisation::Column::Uscc.eq(v.uscc.as_str())).one(txn).await?
    {
        return Ok(o);
    }
    organisation::ActiveModel {
        name: Set(form.company_name.trim().into()),
        uscc: Set(v.uscc.as_str().into()),
        legal_rep_name: Set(form.legal_rep_name.trim().into()),
        contact_phone: Set(v.contact_phone.as_str().into()),
        office_phone: Set(Some(form.office_phone.trim().to_string()).filter(|s| !s.is_empty())),
        website: Set(Some(form.website.trim().to_string()).filter(|s| !s.is_empty())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
}

/// Checks `form` and creates the organisation (if its credit code is new) and the application.
pub async fn create(
    db: &DatabaseConnection,
    form: &ApplyForm,
    creator: Creator,
) -> Result<Created, ApplyError> {
    let key = form.key.trim();
    let scope = creator.scope();
    let hash = form_hash(form);
    if !key.is_empty()
        && let Some(existing) = by_key(db, &scope, key).await?
    {
        return replay(existing, creator, &hash);
    }
    let v = form.check().map_err(ApplyError::Invalid)?;
    let now = chrono::Utc::now();
    let txn = begin_write(db).await?;
    let org = organisation_for(&txn, &v, form, now).await?;
    let today = now.with_timezone(&crate::review::calendar::beijing()).date_naive();
    let keyed = !key.is_empty();
    let app = application::ActiveModel {
        order_number: Set(OrderNumber::generate(today).as_str().into()),
        organisation_id: Set(org.id),
        operation_type: Set(v.operation.as_str().into()),
        certificate_type: Set(v.certificate.as_str().into()),
        validity_years: Set(v.years),
        delivery: Set(v.delivery.as_str().into()),
        state: Set(ApplicationState::Draft.as_str().into()),
        company_name: Set(form.company_name.trim().into()),
        company_uscc: Set(v.uscc.as_str().into()),
        legal_rep_name: Set(form.legal_rep_name.trim().into()),
        legal_rep_id_number: Set(v.legal_rep_id.as_str().into()),
        operator_name: Set(form.operator_name.trim().into()),
        operator_id_number: Set(v.operator_id.as_str().into()),
        operator_mobile: Set(v.mobile.as_str().into()),
        operator_email: Set(v.email.as_str().into()),
        operator_wechat: Set(Some(form.operator_wechat.trim().to_string()).filter(|s| !s.is_empty())),
        mailing_address: Set(form.mailing_address.trim().into()),
        form_extra: Set(serde_json::json!({ "region": "重庆", "category": "政企采购", "project": "重庆市政府采购电子招投标系统" })),
        resubmissions: Set(0),
        version: Set(0),
        intake_key: Set(Some(key.to_string()).filter(|_| keyed)),
        intake_scope: Set(Some(scope.clone()).filter(|_| keyed)),
        intake_hash: Set(Some(hash.clone()).filter(|_| keyed)),
        created_by: Set(match creator {
            Creator::Staff { id, integration: true } => Some(id),
            _ => None,
        }),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let app = match app {
        Ok(a) => a,
        // The same key committed by a concurrent request (the double click): that one stands.
        Err(e) if keyed => {
            drop(txn);
            return match by_key(db, &scope, key).await? {
                Some(existing) => replay(existing, creator, &hash),
                None => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let detail = serde_json::json!({ "order_number": app.order_number, "operation": app.operation_type });
    audit::record(
        &txn,
        audit::Entry {
            actor: creator.actor(),
            action: "application.created",
            application_id: Some(app.id),
            document_id: None,
            detail,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Created { application: app, already: false })
}

async fn by_key(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::IntakeScope.eq(scope))
        .filter(application::Column::IntakeKey.eq(key))
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ApplyForm {
        ApplyForm {
            operation_type: "new".into(),
            certificate_type: "unit_seal".into(),
            validity_years: "2".into(),
            delivery: "courier".into(),
            company_name: "重庆山城建设有限公司".into(),
            company_uscc: "91110000600037341L".into(),
            legal_rep_name: "张伟".into(),
            legal_rep_id_number: "11010519491231002X".into(),
            contact_phone: "13912345678".into(),
            operator_name: "李娜".into(),
            operator_id_number: "360426199101010071".into(),
            operator_mobile: "17623094654".into(),
            operator_email: "ln@example.com".into(),
            mailing_address: "重庆市渝中区解放碑路1号".into(),
            declaration: "on".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_passes_and_every_wrong_field_is_named() {
        assert!(good().check().is_ok());
        let mut f = good();
        f.company_uscc = "91110000600037341M".into();
        f.operator_id_number = "36042619910101007".into();
        f.operator_mobile = "1234".into();
        f.validity_years = "9".into();
        f.company_name = " ".into();
        f.declaration.clear();
        let e = f.check().err().unwrap();
        assert_eq!(
            e.keys().copied().collect::<Vec<_>>(),
            [
                "company_name",
                "company_uscc",
                "declaration",
                "operator_id_number",
                "operator_mobile",
                "validity_years"
            ]
        );
        assert!(e["company_uscc"].contains("校验"), "{}", e["company_uscc"]);
        assert_eq!(e["operator_id_number"], "身份证号码应为18位，当前为17位");
    }
}
