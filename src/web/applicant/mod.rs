//! Pages for applicants (no staff sign-in, mobile first): starting an application, the order
//! page they upload to and come back to through the signed link (`/o/{token}`) in their
//! messages or from the order lookup, the printable forms, and the lookup itself. The signed
//! token in the path is the only credential: it names one application and expires. No cookie
//! carries authority here, so a forged cross-site form has nothing to ride on.

pub mod apply;
pub mod edit;
pub mod lookup;
pub mod order;
pub mod print;
pub mod scan;
pub mod submit;
pub mod upload;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::EntityTrait;

use crate::entities::application;
use crate::notify::link;
use crate::web::error::error_page;
use crate::web::{AppState, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/apply", web::get().to(apply::form))
        .route("/apply", web::post().to(apply::submit))
        .route("/lookup", web::get().to(lookup::form))
        .route("/lookup", web::post().to(lookup::send_code))
        .route("/lookup/verify", web::post().to(lookup::verify))
        .route("/o/{token}", web::get().to(order::show))
        .route("/o/{token}/status", web::get().to(order::status))
        .route("/o/{token}/edit", web::get().to(edit::form))
        .route("/o/{token}/edit", web::post().to(edit::save))
        .route("/o/{token}/documents/{kind}", web::post().to(upload::upload))
        .route("/o/{token}/scans/{id}", web::get().to(scan::scan))
        .route("/o/{token}/submit", web::post().to(submit::submit))
        .route("/o/{token}/print/{form}", web::get().to(print::print));
}

/// A fresh link for `app_id`, valid for `notify.link_valid_days`.
pub async fn token_for(state: &AppState, app_id: i32) -> Result<String, WebError> {
    let key = link::secret(&state.db, &state.settings.notify).await?;
    let until = chrono::Utc::now() + chrono::Duration::days(i64::from(state.settings.notify.link_valid_days));
    Ok(link::sign(&key, app_id, until))
}

/// The application a token names, or the page that says why not (404 forged, 410 expired).
pub async fn resolve(
    state: &AppState,
    token: &str,
) -> Result<Result<application::Model, HttpResponse>, WebError> {
    let key = link::secret(&state.db, &state.settings.notify).await?;
    let previous = &state.settings.notify.link_previous_secrets;
    let app_id = match link::verify_any(&key, previous, token, chrono::Utc::now()) {
        Ok(id) => id,
        Err(e) => {
            let status = if e == link::LinkError::Expired { StatusCode::GONE } else { StatusCode::NOT_FOUND };
            return Ok(Err(HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(error_page(status, e.code(), e.message_zh()))));
        }
    };
    match application::Entity::find_by_id(app_id).one(&state.db).await? {
        Some(app) => Ok(Ok(app)),
        None => Err(WebError::NotFound),
    }
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location.to_string())).finish()
}
