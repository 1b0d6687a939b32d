//! The JSON API under `/api/v1`: for reviewers, the same actions as the pages, through the same
//! review services and the same authorisation rules, authenticated by bearer tokens
//! (`sealdesk user token`). Errors are JSON with the stable code and the Chinese message.
//! The intake API (`intake.rs`) lets the CA's platform start applications and push scans.
//! Described by the OpenAPI document at `/api/v1/openapi.json`.

pub mod cases;
pub mod intake;
pub mod openapi;
pub mod queue;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};

use super::WebError;

/// A [`WebError`] answered as JSON.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub WebError);

macro_rules! into_api_error {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                Self(e.into())
            }
        }
    )*};
}
into_api_error!(
    sea_orm::DbErr,
    crate::auth::AuthError,
    crate::review::ReviewError,
    crate::review::claim::ClaimError,
    crate::review::decide::DecideError
);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            WebError::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            e => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self.0, "API request failed");
        }
        HttpResponse::build(status)
            .json(serde_json::json!({ "error": { "code": self.0.code(), "message": self.0.message_zh() } }))
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(
                web::JsonConfig::default()
                    .limit(256 * 1024)
                    .error_handler(|e, _| ApiError(WebError::BadRequest(e.to_string())).into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError(WebError::BadRequest(e.to_string())).into()),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError(WebError::NotFound).into()))
            .route("/openapi.json", web::get().to(openapi::document))
            .route("/reasons", web::get().to(cases::reasons))
            .route("/queue", web::get().to(queue::list))
            .route("/queue/next", web::post().to(queue::next))
            .route("/cases/{id}", web::get().to(cases::show))
            .route("/cases/{id}/claim", web::post().to(cases::claim))
            .route("/cases/{id}/release", web::post().to(cases::release))
            .route("/cases/{id}/reassign", web::post().to(cases::reassign))
            .route("/cases/{id}/reveal", web::post().to(cases::reveal))
            .route("/cases/{id}/decision", web::post().to(cases::decide))
            .route("/intake/applications", web::post().to(intake::create_application))
            .route("/intake/applications/{order}", web::get().to(intake::show))
            .route("/intake/applications/{order}/documents/{kind}", web::put().to(intake::put_document))
            .route("/intake/applications/{order}/submit", web::post().to(intake::submit))
            .default_service(web::to(|| async { ApiError(WebError::NotFound).error_response() })),
    );
}
