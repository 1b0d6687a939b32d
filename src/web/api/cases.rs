//! The case through the API: `GET /api/v1/cases/{id}` (audited, personal data masked),
//! `POST …/claim`, `…/release`, `…/reassign`, `…/reveal` (audited, returns the unmasked
//! numbers), `…/decision`; and `GET /api/v1/reasons`, the active reason catalogue.

use actix_web::{HttpResponse, web};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::ApiError;
use crate::review::decide::{self, Decided, Decision};
use crate::review::{case, claim, reveal};
use crate::web::auth::{ApiReviewer, ApiSupervisor};
use crate::web::cases::show::record;
use crate::web::{AppState, WebError};

pub async fn reasons(state: web::Data<AppState>, _: ApiReviewer) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(case::catalogue(&state.db).await?))
}

pub async fn show(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let app_id = path.into_inner();
    let app = crate::entities::application::Entity::find_by_id(app_id).one(&state.db).await?;
    if !app.is_some_and(|a| reveal::may_view(&staff, &a.state)) {
        return Err(WebError::NotFound.into());
    }
    let policy = &state.settings.review;
    claim::touch(&state.db, app_id, staff.id, policy).await?;
    let view = case::load(&state.db, app_id, false, policy).await?;
    record(&state, &staff, "case.viewed", app_id).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub async fn claim(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let app = claim::claim(&state.db, path.into_inner(), &staff, &state.settings.review).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": app.id, "assignee_id": app.assignee_id })))
}

pub async fn release(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    claim::release(&state.db, path.into_inner(), &staff, &state.settings.review).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Reassign {
    to: i32,
}

pub async fn reassign(
    state: web::Data<AppState>,
    ApiSupervisor(staff): ApiSupervisor,
    path: web::Path<i32>,
    body: web::Json<Reassign>,
) -> Result<HttpResponse, ApiError> {
    claim::reassign(&state.db, path.into_inner(), body.to, &staff).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevealBody {
    /// Required of a supervisor revealing a case they do not hold.
    reason: Option<String>,
}

pub async fn reveal(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    path: web::Path<i32>,
    body: Option<web::Json<RevealBody>>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.and_then(|b| b.into_inner().reason);
    let limit = state.settings.review.max_reveals_per_hour;
    // Allowed and recorded before anything is returned.
    let app = reveal::reveal(&state.db, &staff, path.into_inner(), reason.as_deref(), limit)
        .await
        .map_err(WebError::from)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "legal_rep_id_number": app.legal_rep_id_number,
        "operator_id_number": app.operator_id_number,
        "operator_mobile": app.operator_mobile,
    })))
}

pub async fn decide(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    path: web::Path<i32>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    let decided = decide::decide(&state.db, path.into_inner(), &staff, &body, &state.settings.review).await?;
    let (app, again) = match decided {
        Decided::Done(app) => (app, false),
        Decided::AlreadyDone(app) => (app, true),
    };
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "id": app.id, "state": app.state, "already_decided": again })))
}
