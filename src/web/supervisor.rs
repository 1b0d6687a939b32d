//! `GET /supervisor`: the supervisor's figures over the last days (7, 30 or 90), with the
//! charts drawn server-side as SVG.

use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

use super::auth::Supervisor;
use super::queue::CHECK_LABELS;
use super::{AppState, WebError, render};
use crate::entities::application;
use crate::review::{ApplicationState, overrides, queue, stats};

#[derive(Deserialize)]
pub struct Period {
    days: Option<i64>,
}

pub async fn show(
    state: web::Data<AppState>,
    Supervisor(staff): Supervisor,
    period: web::Query<Period>,
) -> Result<HttpResponse, WebError> {
    let days = period.days.filter(|d| [7, 30, 90].contains(d)).unwrap_or(30);
    let now = chrono::Utc::now();
    let figures = stats::figures(&state.db, days, now).await?;
    let overrides = overrides::recent(&state.db, now - chrono::Duration::days(days), 50).await?;
    let in_queue = application::Entity::find()
        .filter(application::Column::State.eq(ApplicationState::InReview.as_str()));
    let overdue = in_queue
        .clone()
        .filter(application::Column::DueAtMs.lt(now.timestamp_millis()))
        .count(&state.db)
        .await?;
    let waiting = in_queue.count(&state.db).await?;
    let counts: Vec<_> = queue::counts(&state.db)
        .await?
        .into_iter()
        .map(|(s, n)| minijinja::context! { label => s.label_zh(), count => n })
        .collect();
    let max_day = figures.per_day.iter().map(|d| d.decisions).max().unwrap_or(0).max(1);
    let max_reason = figures.reasons.first().map_or(1, |r| r.count.max(1));
    render(
        &state,
        "supervisor.html",
        minijinja::context! {
            staff => &staff, csrf => &staff.csrf_token, f => figures, days, waiting, overdue, counts,
            max_day, max_reason, checks => CHECK_LABELS, overrides,
        },
    )
}
