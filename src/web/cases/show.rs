//! `GET /cases/{id}`: the case page. Every view is recorded in the audit trail; the assignee's
//! view keeps their claim alive. `POST /cases/{id}/reveal` shows the unmasked personal data
//! once, and records who saw it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::audit;
use crate::auth::{Role, Staff};
use crate::entities::staff_user;
use crate::review::{case, claim, reveal};
use crate::web::auth::{Reviewer, check_csrf};
use crate::web::queue::{CHECK_LABELS, due_zh, time_left_zh};
use crate::web::{AppState, WebError, render_status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// What the decision form held when it was refused, to show it again as it was.
#[derive(Debug, Default, serde::Serialize)]
pub struct Submitted {
    pub outcome: String,
    pub documents: HashMap<String, String>,
    pub document_reasons: HashMap<String, Vec<String>>,
    pub reasons: Vec<String>,
    pub comment_applicant: String,
    pub note_internal: String,
    pub override_note: String,
    pub key: String,
    pub reclaim: bool,
}

pub struct Page<'a> {
    pub staff: &'a Staff,
    pub app_id: i32,
    pub revealed: bool,
    pub error: Option<String>,
    pub submitted: Option<Submitted>,
    pub status: StatusCode,
}

/// Records a staff action on a case in the audit trail.
pub async fn record(state: &AppState, staff: &Staff, action: &str, app_id: i32) -> Result<(), WebError> {
    audit::record(&state.db, audit::Entry::by_staff(staff.id, action, Some(app_id), serde_json::json!({})))
        .await?;
    Ok(())
}

pub async fn render_case(state: &AppState, p: Page<'_>) -> Result<HttpResponse, WebError> {
    let policy = &state.settings.review;
    claim::touch(&state.db, p.app_id, p.staff.id, policy).await?;
    let view = case::load(&state.db, p.app_id, p.revealed, policy).await?;
    let catalogue = case::catalogue(&state.db).await?;
    let reviewers = if p.staff.can(Role::Supervisor) {
        staff_user::Entity::find()
            .filter(staff_user::Column::Active.eq(true))
            .filter(staff_user::Column::Role.ne(Role::Integration.as_str()))
            .order_by_asc(staff_user::Column::DisplayName)
            .all(&state.db)
            .await?
    } else {
        Vec::new()
    };
    let now = chrono::Utc::now().timestamp_millis();
    // A due time means something only while the case waits for a decision: a returned,
    // rejected or approved case has none left to count.
    let due = view.due_at_ms.filter(|_| matches!(view.state, "submitted" | "checking" | "in_review"));
    let mine = view.assignee_id == Some(p.staff.id);
    let in_review = view.state == "in_review";
    // A decision refused because the claim lapsed, on a case nobody else has taken since: the
    // form stays, filled in, with a button that claims the case again and submits it.
    let reclaim = p.submitted.is_some() && in_review && view.assignee_id.is_none();
    let submitted = p.submitted.unwrap_or_else(|| Submitted {
        key: uuid::Uuid::new_v4().simple().to_string(),
        ..Default::default()
    });
    render_status(
        state,
        p.status,
        "case.html",
        minijinja::context! {
            staff => p.staff,
            csrf => &p.staff.csrf_token,
            is_supervisor => p.staff.can(Role::Supervisor),
            mine,
            in_review,
            reclaim,
            can_decide => (mine && in_review) || reclaim,
            now_ms => now,
            idle_ms => policy.claim_idle_mins * 60_000,
            time_left => due.map(|d| format!("{} 前，{}", due_zh(d), time_left_zh(d, now))),
            overdue => due.is_some_and(|d| d < now),
            case => view,
            catalogue,
            reviewers => reviewers.iter().map(|u| (u.id, u.display_name.clone())).collect::<Vec<_>>(),
            checks => CHECK_LABELS,
            error => p.error,
            submitted,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let app_id = path.into_inner();
    let app = crate::entities::application::Entity::find_by_id(app_id).one(&state.db).await?;
    if !app.is_some_and(|a| reveal::may_view(&staff, &a.state)) {
        return Err(WebError::NotFound);
    }
    let page = render_case(
        &state,
        Page { staff: &staff, app_id, revealed: false, error: None, submitted: None, status: StatusCode::OK },
    )
    .await?;
    record(&state, &staff, "case.viewed", app_id).await?;
    Ok(page)
}

#[derive(serde::Deserialize)]
pub struct RevealForm {
    csrf: Option<String>,
    /// Required of a supervisor revealing a case they do not hold.
    reason: Option<String>,
}

pub async fn reveal(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
    form: web::Form<RevealForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let app_id = path.into_inner();
    // Allowed and recorded before anything is shown: a failure to record shows nothing.
    let limit = state.settings.review.max_reveals_per_hour;
    reveal::reveal(&state.db, &staff, app_id, form.reason.as_deref(), limit).await?;
    render_case(
        &state,
        Page { staff: &staff, app_id, revealed: true, error: None, submitted: None, status: StatusCode::OK },
    )
    .await
}
