//! Admin pages: staff accounts, the rejection-reason catalogue, the working-day calendar, the
//! check thresholds, the message templates.

pub mod calendar;
pub mod messages;
pub mod reasons;
pub mod thresholds;
pub mod users;

use actix_web::HttpResponse;

use crate::audit;
use crate::auth::Staff;
use crate::web::{AppState, WebError};

/// Records an admin's change in the audit trail, then sends the browser back to `location`.
pub async fn audited(
    state: &AppState,
    staff: &Staff,
    action: &str,
    detail: serde_json::Value,
    location: &str,
) -> Result<HttpResponse, WebError> {
    audit::record(&state.db, audit::Entry::by_staff(staff.id, action, None, detail)).await?;
    Ok(HttpResponse::SeeOther().insert_header(("location", location)).finish())
}
