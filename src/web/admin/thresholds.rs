//! `GET /admin/thresholds` lists every check threshold with its configured value and any
//! change made here; `POST /admin/thresholds` changes one (or, with an empty value, returns it
//! to the configured value). Changes apply from the next page checked, on every node. Admins
//! only; audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::Staff;
use crate::thresholds;
use crate::web::auth::{Admin, check_csrf};
use crate::web::{AppState, WebError, render_status};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThresholdForm {
    csrf: Option<String>,
    key: String,
    value: String,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let configured = serde_json::to_value(&state.settings.checks).map_err(anyhow::Error::from)?;
    let changed = thresholds::overrides(&state.db).await?;
    let rows: Vec<_> = configured
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let over = changed.iter().find(|o| &o.key == key);
            minijinja::context! { key, configured => value.to_string(), changed => over.map(|o| o.value.clone()) }
        })
        .collect();
    render_status(
        state,
        status,
        "admin_thresholds.html",
        minijinja::context! { staff, csrf => &staff.csrf_token, rows, error },
    )
}

pub async fn list(state: web::Data<AppState>, Admin(staff): Admin) -> Result<HttpResponse, WebError> {
    page(&state, &staff, StatusCode::OK, None).await
}

pub async fn set(
    state: web::Data<AppState>,
    Admin(staff): Admin,
    form: web::Form<ThresholdForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let result = if form.value.trim().is_empty() {
        thresholds::clear(&state.db, &form.key, staff.id).await
    } else {
        thresholds::set(&state.db, &state.settings.checks, &form.key, &form.value, staff.id).await
    };
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther().insert_header(("location", "/admin/thresholds")).finish()),
        Err(thresholds::ThresholdError::Db(e)) => Err(e.into()),
        Err(e) => page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message_zh())).await,
    }
}
