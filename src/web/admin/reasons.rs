//! `GET /admin/reasons` lists the rejection-reason catalogue; `POST /admin/reasons` adds a
//! reason; `POST /admin/reasons/{code}` edits one. Codes are stable (decisions refer to them),
//! so a reason is retired by deactivating it, never renamed or deleted. Admins only; audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde::Deserialize;

use crate::auth::Staff;
use crate::entities::rejection_reason;
use crate::web::auth::{Admin, check_csrf};
use crate::web::{AppState, WebError, render_status};

/// Fields default to empty so that the CSRF check comes before any other complaint.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    csrf: Option<String>,
    code: String,
    text_zh: String,
    kind: String,
    applies_to: String,
    active: Option<String>,
    sort_order: i32,
}

/// The kinds a reason may be limited to: the pipeline's document kinds.
fn applies_to_choices() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = crate::pipeline::DocKind::ALL.iter().map(|k| (k.as_str(), k.label_zh())).collect();
    v.retain(|(k, _)| *k != "other");
    v
}

fn validate(form: &ReasonForm) -> Result<(), String> {
    if form.text_zh.trim().is_empty() || form.text_zh.chars().count() > 200 {
        return Err("原因说明不能为空，且不超过200字".into());
    }
    if !["retry", "final"].contains(&form.kind.as_str()) {
        return Err("类型须为“可重新提交”或“终止申请”".into());
    }
    if !form.applies_to.is_empty() && !applies_to_choices().iter().any(|(k, _)| *k == form.applies_to) {
        return Err("适用材料无效".into());
    }
    Ok(())
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let reasons = rejection_reason::Entity::find()
        .order_by_asc(rejection_reason::Column::SortOrder)
        .all(&state.db)
        .await?;
    let kinds = applies_to_choices();
    render_status(
        state,
        status,
        "admin_reasons.html",
        minijinja::context! { staff, csrf => &staff.csrf_token, reasons, kinds, error },
    )
}

pub async fn list(state: web::Data<AppState>, Admin(staff): Admin) -> Result<HttpResponse, WebError> {
    page(&state, &staff, StatusCode::OK, None).await
}

pub async fn create(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let code = form.code.trim();
    let code_ok = (2..=64).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
    if !code_ok {
        return page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("代码须为2至64位小写字母、数字、. 或 _".into()),
        )
        .await;
    }
    if let Err(e) = validate(&form) {
        return page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await;
    }
    if rejection_reason::Entity::find_by_id(code.to_string()).one(&state.db).await?.is_some() {
        return page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(format!("代码 {code} 已存在")))
            .await;
    }
    rejection_reason::ActiveModel {
        code: Set(code.into()),
        text_zh: Set(form.text_zh.trim().into()),
        kind: Set(form.kind.clone()),
        applies_to: Set(Some(form.applies_to.clone()).filter(|a| !a.is_empty())),
        active: Set(true),
        sort_order: Set(form.sort_order),
    }
    .insert(&state.db)
    .await?;
    super::audited(&state, &staff, "reason.created", serde_json::json!({ "code": code }), "/admin/reasons")
        .await
}

pub async fn update(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let code = path.into_inner();
    let Some(existing) = rejection_reason::Entity::find_by_id(code.clone()).one(&state.db).await? else {
        return Err(WebError::NotFound);
    };
    if let Err(e) = validate(&form) {
        return page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await;
    }
    let mut am: rejection_reason::ActiveModel = existing.into();
    am.text_zh = Set(form.text_zh.trim().into());
    am.kind = Set(form.kind.clone());
    am.applies_to = Set(Some(form.applies_to.clone()).filter(|a| !a.is_empty()));
    am.active = Set(form.active.is_some());
    am.sort_order = Set(form.sort_order);
    am.update(&state.db).await?;
    super::audited(&state, &staff, "reason.updated", serde_json::json!({ "code": code }), "/admin/reasons")
        .await
}
