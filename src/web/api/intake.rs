//! The intake API, for the CA's existing platform (an `integration` account's token, or an
//! admin's): start an application, push its scans, submit it, read its state and findings.
//! The same services as the applicant pages: the same checks of every field, the same
//! inspection of every upload, the same rules on what may be uploaded when.
//!
//! - `POST /api/v1/intake/applications` (JSON, the application form's fields; `key` or the
//!   `Idempotency-Key` header makes a retry return the first application)
//! - `PUT /api/v1/intake/applications/{order}/documents/{kind}` (the image as the body, streamed)
//! - `POST /api/v1/intake/applications/{order}/submit`
//! - `GET /api/v1/intake/applications/{order}`

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::ApiError;
use crate::auth::{Role, Staff};
use crate::domain::DocumentKind;
use crate::entities::application;
use crate::intake::Receiver;
use crate::intake::apply::{ApplyError, ApplyForm, Creator, create};
use crate::intake::submit::{SubmitError, submit as submit_application};
use crate::review::case;
use crate::web::applicant::token_for;
use crate::web::applicant::upload::{bridge, refusal_status};
use crate::web::auth::ApiIntegration;
use crate::web::{AppState, WebError};

fn error(status: StatusCode, code: &str, message: &str, extra: Option<serde_json::Value>) -> HttpResponse {
    let mut e = serde_json::json!({ "code": code, "message": message });
    if let Some(x) = extra {
        e["fields"] = x;
    }
    HttpResponse::build(status).json(serde_json::json!({ "error": e }))
}

/// The application `order` as `staff` may see it through this API: an integration account only
/// those it created; an admin any. Anything else is not found (not "forbidden": the API does not
/// tell which order numbers exist).
async fn by_order(state: &AppState, staff: &Staff, order: &str) -> Result<application::Model, ApiError> {
    let mut q = application::Entity::find().filter(application::Column::OrderNumber.eq(order));
    if staff.role != Role::Admin {
        q = q.filter(application::Column::CreatedBy.eq(staff.id));
    }
    q.one(&state.db).await?.ok_or(ApiError(WebError::NotFound))
}

async fn summary(state: &AppState, app: &application::Model) -> Result<serde_json::Value, ApiError> {
    let view = case::load(&state.db, app.id, false, &state.settings.review).await?;
    let token = token_for(state, app.id).await?;
    let base = state.settings.notify.public_base_url.trim_end_matches('/');
    let documents: Vec<_> = view
        .slots
        .iter()
        .map(|s| {
            let a = s.attempts.first();
            serde_json::json!({
                "kind": s.kind, "label": s.label, "attempt": a.map(|a| a.attempt), "status": a.map(|a| &a.status),
                "verdict": a.and_then(|a| a.verdict.as_ref()), "report": a.and_then(|a| a.report.as_ref()),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": app.id, "order_number": app.order_number, "state": view.state, "state_label": view.state_label,
        "resubmissions": app.resubmissions, "applicant_link": format!("{base}/o/{token}"), "documents": documents,
    }))
}

pub async fn create_application(
    state: web::Data<AppState>,
    ApiIntegration(staff): ApiIntegration,
    req: HttpRequest,
    body: web::Json<ApplyForm>,
) -> Result<HttpResponse, ApiError> {
    let mut form = body.into_inner();
    if let Some(key) = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()) {
        form.key = key.chars().take(64).collect();
    }
    // The platform has its applicant's consent on record; the tick box is the web form's.
    if form.declaration.is_empty() {
        form.declaration = "platform".into();
    }
    let creator = Creator::Staff { id: staff.id, integration: staff.role == Role::Integration };
    match create(&state.db, &form, creator).await {
        Ok(created) => {
            let status = if created.already { StatusCode::OK } else { StatusCode::CREATED };
            Ok(HttpResponse::build(status).json(summary(&state, &created.application).await?))
        }
        Err(ApplyError::Invalid(fields)) => Ok(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "application.invalid",
            "申请信息有误，请按各字段的说明修改",
            Some(serde_json::to_value(&fields).unwrap_or_default()),
        )),
        Err(ApplyError::KeyConflict) => {
            Ok(error(StatusCode::CONFLICT, ApplyError::CONFLICT_CODE, ApplyError::CONFLICT_ZH, None))
        }
        Err(ApplyError::Db(e)) => Err(e.into()),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    ApiIntegration(staff): ApiIntegration,
    order: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = by_order(&state, &staff, &order).await?;
    Ok(HttpResponse::Ok().json(summary(&state, &app).await?))
}

pub async fn put_document(
    state: web::Data<AppState>,
    ApiIntegration(staff): ApiIntegration,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (order, kind) = path.into_inner();
    let app = by_order(&state, &staff, &order).await?;
    let Ok(kind) = kind.parse::<DocumentKind>() else { return Err(ApiError(WebError::NotFound)) };
    let (pump, stream) = bridge(body);
    let receiver = Receiver {
        db: &state.db,
        blobs: state.blobs.as_ref(),
        settings: &state.settings,
        permits: &state.upload_permits,
        memory: &state.memory,
    };
    let name = format!("{}.upload", kind.as_str());
    let (_, result) = tokio::join!(pump, receiver.receive(app.id, kind, &name, stream));
    match result {
        Ok(doc) => Ok(HttpResponse::Created()
            .json(serde_json::json!({ "document_id": doc.id, "attempt": doc.attempt }))),
        Err(e) => {
            let Some(status) = refusal_status(&e) else {
                return Err(ApiError(anyhow::anyhow!("intake upload: {e}").into()));
            };
            Ok(error(status, e.code(), &e.message_zh(), None))
        }
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    ApiIntegration(staff): ApiIntegration,
    order: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = by_order(&state, &staff, &order).await?;
    match submit_application(&state.db, app.id, &state.settings.review).await {
        Ok(done) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "order_number": done.application.order_number, "state": done.application.state, "already": done.already,
        }))),
        Err(e @ (SubmitError::Missing(_) | SubmitError::NotSubmittable(_))) => {
            Ok(error(StatusCode::UNPROCESSABLE_ENTITY, e.code(), &e.message_zh(), None))
        }
        Err(SubmitError::Review(e)) => Err(e.into()),
        Err(SubmitError::Db(e)) => Err(e.into()),
    }
}
