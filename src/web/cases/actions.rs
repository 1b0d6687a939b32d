//! `POST /cases/{id}/claim`, `/release`, `/heartbeat` and `/reassign`: who works the case.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::review::claim;
use crate::web::auth::logout::CsrfForm;
use crate::web::auth::{Reviewer, Supervisor, check_csrf};
use crate::web::{AppState, WebError};

fn back_to(app_id: i32) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/cases/{app_id}"))).finish()
}

pub async fn claim(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let app = claim::claim(&state.db, path.into_inner(), &staff, &state.settings.review).await?;
    Ok(back_to(app.id))
}

pub async fn release(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    claim::release(&state.db, path.into_inner(), &staff, &state.settings.review).await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/queue")).finish())
}

/// `POST /cases/{id}/heartbeat`: sent by the case page while its holder works on it, so a claim
/// does not lapse under someone reading and typing. Answers where the claim stands (JSON).
pub async fn heartbeat(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let standing = claim::heartbeat(&state.db, path.into_inner(), &staff, &state.settings.review).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(standing))
}

#[derive(Deserialize)]
pub struct ReassignForm {
    csrf: Option<String>,
    to: Option<i32>,
}

pub async fn reassign(
    state: web::Data<AppState>,
    Supervisor(staff): Supervisor,
    path: web::Path<i32>,
    form: web::Form<ReassignForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let app_id = path.into_inner();
    let to = form.to.ok_or_else(|| WebError::BadRequest("to".into()))?;
    claim::reassign(&state.db, app_id, to, &staff).await?;
    Ok(back_to(app_id))
}
