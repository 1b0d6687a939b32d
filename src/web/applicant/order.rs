//! `GET /o/{token}`: the order an applicant's message links to: its state and, after a
//! return or rejection, each document to redo with its reasons and the reviewer's comment. The
//! signed token is the only credential (it names one application and expires); every opening
//! is audited. Re-uploading from here arrives with the applicant intake pages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::audit::{self, Actor};
use crate::entities::{application, notification};
use crate::notify::context::DecisionPayload;
use crate::notify::link;
use crate::review::ApplicationState;
use crate::web::error::error_page;
use crate::web::{AppState, WebError, render};

pub async fn show(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let key = link::secret(&state.db, &state.settings.notify).await?;
    let app_id = match link::verify(&key, &token, chrono::Utc::now()) {
        Ok(id) => id,
        Err(e) => {
            let status = if e == link::LinkError::Expired { StatusCode::GONE } else { StatusCode::NOT_FOUND };
            return Ok(HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(error_page(status, e.code(), e.message_zh())));
        }
    };
    let app = application::Entity::find_by_id(app_id).one(&state.db).await?.ok_or(WebError::NotFound)?;
    // The latest decision's message carries what the applicant was told.
    let told: Option<DecisionPayload> = notification::Entity::find()
        .filter(notification::Column::ApplicationId.eq(app_id))
        .order_by_desc(notification::Column::Id)
        .one(&state.db)
        .await?
        .and_then(|n| serde_json::from_value(n.payload).ok());
    let detail = serde_json::json!({ "order_number": app.order_number });
    audit::record(
        &state.db,
        audit::Entry {
            actor: Actor::Applicant,
            action: "applicant.order_viewed",
            application_id: Some(app_id),
            document_id: None,
            detail,
        },
    )
    .await?;
    let state_label = app.state.parse::<ApplicationState>().map(|s| s.label_zh()).unwrap_or("处理中");
    render(
        &state,
        "applicant_order.html",
        minijinja::context! {
            staff => (), order_number => &app.order_number, company_name => &app.company_name,
            state => &app.state, state_label, told,
            production_working_days => state.settings.notify.production_working_days,
        },
    )
}
