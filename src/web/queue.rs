//! `GET /queue`: the cases waiting for review, most urgent first, with filters, counts per
//! state and keyset paging. `POST /queue/next` claims the most urgent free case.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::auth::logout::CsrfForm;
use super::auth::{Reviewer, check_csrf};
use super::{AppState, WebError, render};
use crate::domain::OperationType;
use crate::review::checks_done::RISKS;
use crate::review::claim;
use crate::review::queue::{self, Assigned, Cursor, QueueFilter};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct QueueQuery {
    #[serde(default)]
    operation: String,
    #[serde(default)]
    failing: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    resubmitted: String,
    #[serde(default)]
    assigned: String,
    #[serde(default)]
    pub after: String,
    /// The order just decided, for the notice.
    #[serde(default)]
    done: String,
}

impl QueueQuery {
    pub fn filter(&self) -> QueueFilter {
        QueueFilter {
            operation: self.operation.parse::<OperationType>().ok(),
            failing: Some(self.failing.clone()).filter(|f| !f.is_empty()),
            risk: Some(self.risk.clone()).filter(|f| !f.is_empty()),
            resubmitted: self.resubmitted == "1",
            assigned: match self.assigned.as_str() {
                "me" => Assigned::Me,
                "others" => Assigned::Others,
                "no_one" => Assigned::NoOne,
                _ => Assigned::Any,
            },
        }
    }
}

/// "剩余 1天3小时" / "已超时 5小时".
pub fn time_left_zh(due_ms: i64, now_ms: i64) -> String {
    let left = due_ms - now_ms;
    let mins = left.abs() / 60_000;
    let (d, h, m) = (mins / 1440, mins % 1440 / 60, mins % 60);
    let span = match (d, h) {
        (0, 0) => format!("{m}分钟"),
        (0, h) => format!("{h}小时{m}分"),
        (d, h) => format!("{d}天{h}小时"),
    };
    if left >= 0 { format!("剩余 {span}") } else { format!("已超时 {span}") }
}

/// The due time as a Beijing clock reads it: "12月7日 18:00".
pub fn due_zh(due_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(due_ms)
        .map(|t| t.with_timezone(&crate::review::calendar::beijing()).format("%-m月%-d日 %H:%M").to_string())
        .unwrap_or_default()
}

pub use crate::review::checks_done::{CHECK_LABELS, check_label};

pub async fn show(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, WebError> {
    let filter = query.filter();
    let after = Cursor::decode(&query.after);
    let review = &state.settings.review;
    let page =
        queue::page(&state.db, &filter, after, staff.id, review.claim_idle_mins, review.queue_page_size)
            .await?;
    let counts: Vec<_> = queue::counts(&state.db)
        .await?
        .into_iter()
        .map(|(s, n)| minijinja::context! { state => s.as_str(), label => s.label_zh(), count => n })
        .collect();
    let now = chrono::Utc::now().timestamp_millis();
    let rows: Vec<_> = page
        .rows
        .iter()
        .map(|r| {
            minijinja::context! {
                row => r,
                time_left => time_left_zh(r.due_at_ms, now),
                due => due_zh(r.due_at_ms),
                overdue => r.due_at_ms < now,
                failing => r.failing_checks.iter().map(|c| check_label(c)).collect::<Vec<_>>(),
                risks => r.risks.iter().filter_map(|c| RISKS.iter().find(|(k, _)| k == c).map(|(_, l)| *l)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let operations: Vec<_> = OperationType::ALL.iter().map(|o| (o.as_str(), o.label_zh())).collect();
    let next_link = page.next.as_ref().map(|cursor| {
        let mut q = serde_urlencoded::to_string(&*query).unwrap_or_default();
        q = q
            .split('&')
            .filter(|p| !p.starts_with("after=") && !p.starts_with("done="))
            .collect::<Vec<_>>()
            .join("&");
        format!("/queue?{q}&after={cursor}")
    });
    render(
        &state,
        "queue.html",
        minijinja::context! {
            staff => &staff, csrf => &staff.csrf_token, rows, counts, operations, checks => CHECK_LABELS, risks => RISKS,
            q => &*query, next_link, first_page => after.is_none(),
        },
    )
}

pub async fn next(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let app = claim::next_case(&state.db, &staff, &state.settings.review).await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/cases/{}", app.id))).finish())
}

#[cfg(test)]
mod tests {
    use super::{due_zh, time_left_zh};

    #[test]
    fn the_due_time_is_told_in_beijing_time() {
        // 2026-12-07 10:00 UTC is 18:00 in Beijing.
        assert_eq!(due_zh(1_796_637_600_000), "12月7日 18:00");
    }

    #[test]
    fn time_left_reads_naturally() {
        let h = 3_600_000;
        assert_eq!(time_left_zh(27 * h, 0), "剩余 1天3小时");
        assert_eq!(time_left_zh(0, 5 * h), "已超时 5小时0分");
        assert_eq!(time_left_zh(10 * 60_000, 0), "剩余 10分钟");
    }
}
