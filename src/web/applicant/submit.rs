//! `POST /o/{token}/submit`: submit (or, after a return, resubmit) the application. A double
//! click submits once: the second finds it already on its way and shows the order page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::order::{UploadError, render_order};
use super::{resolve, see_other};
use crate::intake::submit::{SubmitError, submit as submit_application};
use crate::web::{AppState, WebError};

pub async fn submit(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    match submit_application(&state.db, app.id, &state.settings.review).await {
        Ok(done) => {
            if !done.already {
                tracing::info!(application = app.id, state = %done.application.state, "application submitted");
            }
            Ok(see_other(&format!("/o/{token}?submitted=1")))
        }
        Err(e @ (SubmitError::Missing(_) | SubmitError::NotSubmittable(_))) => {
            let error = UploadError { kind: "submit".into(), code: e.code(), message: e.message_zh() };
            render_order(&state, &token, &app, Some(error), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(SubmitError::Review(e)) => Err(e.into()),
        Err(e) => Err(anyhow::anyhow!("submit of application {}: {e}", app.id).into()),
    }
}
