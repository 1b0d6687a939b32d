//! `GET /o/{token}`: the applicant's order page. While the application is a draft, or after it
//! was returned, each required document has its upload form; each upload shows the automated
//! findings as soon as its check is done (the page polls `GET /o/{token}/status`), with the
//! evidence drawn over the scan. After a return only the documents sent back can be replaced,
//! each shown with its reasons. Every opening is audited.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::resolve;
use crate::audit::{self, Actor};
use crate::entities::{application, audit_event, check_report, document, notification};
use crate::intake::submit::missing;
use crate::intake::upload::{sent_back, uploadable};
use crate::notify::context::DecisionPayload;
use crate::review::{ApplicationState, case};
use crate::web::queue::CHECK_LABELS;
use crate::web::{AppState, WebError, render_status};

/// A refused upload, shown at its document.
pub struct UploadError {
    pub kind: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct SlotView {
    kind: &'static str,
    label: &'static str,
    /// Newest upload first.
    attempts: Vec<case::Attempt>,
    uploadable: bool,
    /// The attempt the reviewer sent back, when it is this document's last decision.
    returned: Option<case::Attempt>,
    returned_reasons: Vec<String>,
    error: Option<(String, String)>,
}

pub async fn render_order(
    state: &AppState,
    token: &str,
    app: &application::Model,
    error: Option<UploadError>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let view = case::load(&state.db, app.id, false, &state.settings.review).await?;
    let docs =
        document::Entity::find().filter(document::Column::ApplicationId.eq(app.id)).all(&state.db).await?;
    let can_upload = uploadable(app, &docs).map_err(|e| anyhow::anyhow!("{e}"))?;
    let texts: HashMap<String, String> =
        case::catalogue(&state.db).await?.into_iter().map(|r| (r.code, r.text_zh)).collect();
    let slots: Vec<SlotView> = view
        .slots
        .into_iter()
        .map(|s| {
            let kind = s.kind.parse().ok();
            let back = kind.and_then(|k| sent_back(&docs, k)).map(|d| d.id);
            let returned = s.attempts.iter().find(|a| Some(a.document_id) == back).cloned();
            let returned_reasons = returned
                .as_ref()
                .map(|a| {
                    a.reasons.iter().map(|c| texts.get(c).cloned().unwrap_or_else(|| c.clone())).collect()
                })
                .unwrap_or_default();
            SlotView {
                kind: s.kind,
                label: s.label,
                uploadable: kind.is_some_and(|k| can_upload.contains(&k)),
                error: error
                    .as_ref()
                    .filter(|e| e.kind == s.kind)
                    .map(|e| (e.code.to_string(), e.message.clone())),
                attempts: s.attempts,
                returned,
                returned_reasons,
            }
        })
        .collect();
    let submit_error = error.as_ref().filter(|e| e.kind == "submit").map(|e| e.message.clone());
    let st: ApplicationState = app.state.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let still_missing: Vec<&str> =
        missing(app, &docs).map_err(|e| anyhow::anyhow!("{e}"))?.iter().map(|k| k.label_zh()).collect();
    let submittable = matches!(st, ApplicationState::Draft | ApplicationState::Returned);
    // The latest decision's message carries what the applicant was told.
    let told: Option<DecisionPayload> = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(app.id))
        .order_by_desc(notification::Column::Id)
        .one(&state.db)
        .await?
        .and_then(|n| serde_json::from_value(n.payload).ok());
    // The applicant's last correction of what was typed, while they may still correct it.
    let edited = if submittable {
        audit_event::Entity::find()
            .filter(audit_event::Column::ApplicationId.eq(app.id))
            .filter(audit_event::Column::Action.eq("application.edited"))
            .order_by_desc(audit_event::Column::Id)
            .one(&state.db)
            .await?
            .map(|e| {
                let fields: Vec<String> =
                    serde_json::from_value(e.detail["fields"].clone()).unwrap_or_default();
                let form_uploaded = docs.iter().any(|d| d.kind == "application_form");
                minijinja::context! {
                    fields => fields.join("、"),
                    at => crate::review::history::beijing_time(e.at),
                    reprint => form_uploaded && st == ApplicationState::Draft,
                }
            })
    } else {
        None
    };
    render_status(
        state,
        status,
        "applicant_order.html",
        minijinja::context! {
            staff => (), applicant => true, token, order_number => &app.order_number, company_name => &app.company_name,
            operation => view.operation, state => &app.state, state_label => st.label_zh(),
            resubmissions => app.resubmissions, told, slots, checks => CHECK_LABELS,
            missing => still_missing, submittable, submit_error, edited,
            production_working_days => state.settings.notify.production_working_days,
            max_upload_mb => state.settings.checks.max_upload_bytes / 1_048_576,
        },
    )
}

pub async fn show(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let detail = serde_json::json!({ "order_number": app.order_number });
    audit::record(
        &state.db,
        audit::Entry {
            actor: Actor::Applicant,
            action: "applicant.order_viewed",
            application_id: Some(app.id),
            document_id: None,
            detail,
        },
    )
    .await?;
    render_order(&state, &token, &app, None, StatusCode::OK).await
}

/// `GET /o/{token}/status`: the state and each upload's check progress, for the page's poller.
pub async fn status(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let docs =
        document::Entity::find().filter(document::Column::ApplicationId.eq(app.id)).all(&state.db).await?;
    let checked: HashMap<i32, String> = check_report::Entity::find()
        .filter(check_report::Column::DocumentId.is_in(docs.iter().map(|d| d.id).collect::<Vec<_>>()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.document_id, r.verdict))
        .collect();
    let documents: Vec<_> = docs
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id, "kind": d.kind, "attempt": d.attempt, "status": d.status,
                "checked": checked.contains_key(&d.id), "verdict": checked.get(&d.id),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": app.state, "documents": documents })))
}
