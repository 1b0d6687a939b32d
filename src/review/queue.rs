//! The reviewer queue: applications in review, most urgent first (time left against the SLA),
//! filtered, paged by keyset on `(due_at_ms, id)` so page 500 costs what page 1 costs.

use std::collections::HashMap;

use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::ApplicationState;
use crate::domain::OperationType;
use crate::entities::{application, staff_user};

/// Whose cases to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assigned {
    #[default]
    Any,
    Me,
    Others,
    NoOne,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct QueueFilter {
    pub operation: Option<OperationType>,
    /// A check name (`seal`, `clarity`, …) that failed on a current document.
    pub failing: Option<String>,
    /// `any` for any risk finding, or one risk code (`seal.other_name`, …).
    pub risk: Option<String>,
    #[serde(default)]
    pub resubmitted: bool,
    #[serde(default)]
    pub assigned: Assigned,
}

/// Where the next page starts: after this `(due_at_ms, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub due_ms: i64,
    pub id: i32,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}.{}", self.due_ms, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (due, id) = s.split_once('.')?;
        Some(Self { due_ms: due.parse().ok()?, id: id.parse().ok()? })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub id: i32,
    pub order_number: String,
    pub company_name: String,
    pub operation: &'static str,
    pub resubmissions: i32,
    pub failing_checks: Vec<String>,
    /// Risk findings of current documents (codes of `checks_done::RISKS`).
    pub risks: Vec<String>,
    pub due_at_ms: i64,
    /// The active claim's holder, if any.
    pub assignee: Option<String>,
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub next: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i32,
    order_number: String,
    company_name: String,
    operation_type: String,
    resubmissions: i32,
    failing_checks: String,
    risk_flags: String,
    due_at_ms: Option<i64>,
    assignee_id: Option<i32>,
    claimed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Claims older than this are lapsed.
pub fn claim_cutoff(claim_idle_mins: u64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::minutes(claim_idle_mins as i64)
}

/// A live claim by anyone.
pub fn claim_active(cutoff: chrono::DateTime<chrono::Utc>) -> Condition {
    Condition::all()
        .add(application::Column::AssigneeId.is_not_null())
        .add(application::Column::ClaimedAt.gt(cutoff))
}

pub async fn page(
    db: &impl ConnectionTrait,
    filter: &QueueFilter,
    after: Option<Cursor>,
    me: i32,
    claim_idle_mins: u64,
    limit: u64,
) -> Result<QueuePage, DbErr> {
    let cutoff = claim_cutoff(claim_idle_mins);
    let mut q = application::Entity::find()
        .select_only()
        .columns([
            application::Column::Id,
            application::Column::OrderNumber,
            application::Column::CompanyName,
            application::Column::OperationType,
            application::Column::Resubmissions,
            application::Column::FailingChecks,
            application::Column::RiskFlags,
            application::Column::DueAtMs,
            application::Column::AssigneeId,
            application::Column::ClaimedAt,
        ])
        .filter(application::Column::State.eq(ApplicationState::InReview.as_str()));
    if let Some(op) = filter.operation {
        q = q.filter(application::Column::OperationType.eq(op.as_str()));
    }
    if let Some(check) =
        filter.failing.as_deref().filter(|c| c.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        q = q.filter(listed(application::Column::FailingChecks, check));
    }
    match filter.risk.as_deref() {
        Some("any") => q = q.filter(application::Column::RiskFlags.ne("")),
        Some(code) if super::checks_done::RISKS.iter().any(|(r, _)| *r == code) => {
            q = q.filter(listed(application::Column::RiskFlags, code));
        }
        _ => {}
    }
    if filter.resubmitted {
        q = q.filter(application::Column::Resubmissions.gt(0));
    }
    q = match filter.assigned {
        Assigned::Any => q,
        Assigned::Me => q.filter(claim_active(cutoff).add(application::Column::AssigneeId.eq(me))),
        Assigned::Others => q.filter(claim_active(cutoff).add(application::Column::AssigneeId.ne(me))),
        Assigned::NoOne => q.filter(claim_active(cutoff).not()),
    };
    if let Some(c) = after {
        q = q.filter(
            Condition::any().add(application::Column::DueAtMs.gt(c.due_ms)).add(
                Condition::all()
                    .add(application::Column::DueAtMs.eq(c.due_ms))
                    .add(application::Column::Id.gt(c.id)),
            ),
        );
    }
    let mut rows = q
        .order_by_asc(application::Column::DueAtMs)
        .order_by_asc(application::Column::Id)
        .limit(limit + 1)
        .into_model::<Row>()
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let names = staff_names(db, rows.iter().filter_map(|r| r.assignee_id)).await?;
    let next = more
        .then(|| rows.last().map(|r| Cursor { due_ms: r.due_at_ms.unwrap_or(0), id: r.id }.encode()))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|r| {
            let live = r.assignee_id.is_some() && r.claimed_at.is_some_and(|t| t > cutoff);
            let assignee = if live { r.assignee_id } else { None };
            QueueRow {
                id: r.id,
                order_number: r.order_number,
                company_name: r.company_name,
                operation: r.operation_type.parse::<OperationType>().map_or("?", |o| o.label_zh()),
                resubmissions: r.resubmissions,
                failing_checks: items(&r.failing_checks),
                risks: items(&r.risk_flags),
                due_at_ms: r.due_at_ms.unwrap_or(0),
                assignee: assignee.and_then(|id| names.get(&id).cloned()),
                mine: assignee == Some(me),
            }
        })
        .collect();
    Ok(QueuePage { rows, next })
}

/// Rows whose summary column (`,a,b,`, see `checks_done`) lists `item`. `_` is LIKE's
/// one-character wildcard: escaped, `seal_boxes` matches only itself.
fn listed(column: application::Column, item: &str) -> sea_orm::sea_query::SimpleExpr {
    let pattern = format!("%,{},%", item.replace('_', "\\_"));
    Expr::col(column).like(LikeExpr::new(pattern).escape('\\'))
}

/// The items of a summary column (`,a,b,`).
fn items(list: &str) -> Vec<String> {
    list.split(',').filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Display names of staff members by id.
pub async fn staff_names(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i32>,
) -> Result<HashMap<i32, String>, DbErr> {
    let mut ids: Vec<i32> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let users = staff_user::Entity::find().filter(staff_user::Column::Id.is_in(ids)).all(db).await?;
    Ok(users.into_iter().map(|u| (u.id, u.display_name)).collect())
}

#[derive(Debug, FromQueryResult)]
struct StateCount {
    state: String,
    n: i64,
}

/// Applications per lifecycle state.
pub async fn counts(db: &impl ConnectionTrait) -> Result<Vec<(ApplicationState, i64)>, DbErr> {
    let counts = application::Entity::find()
        .select_only()
        .column(application::Column::State)
        .column_as(Expr::col(application::Column::Id).count(), "n")
        .group_by(application::Column::State)
        .into_model::<StateCount>()
        .all(db)
        .await?;
    Ok(ApplicationState::ALL
        .iter()
        .map(|s| (*s, counts.iter().find(|c| c.state == s.as_str()).map_or(0, |c| c.n)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor { due_ms: 1_764_000_000_000, id: 42 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("x.1"), None);
        assert_eq!(Cursor::decode("12"), None);
    }
}
