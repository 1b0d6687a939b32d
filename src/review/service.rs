//! Applies lifecycle events to stored applications. Each change is one transaction: the state
//! update (guarded by the row's version, so two people acting at once cannot both win), the
//! audit event, and whatever the caller adds in the same transaction (notification outbox rows,
//! jobs).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::calendar::WorkCalendar;
use super::lifecycle::{ApplicationState, Context, Event, TransitionError};
use crate::audit::{self, Actor};
use crate::config::ReviewSettings;
use crate::db::begin_write;
use crate::domain::{Delivery, OperationType, UnknownValue};
use crate::entities::application;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("application {0} not found")]
    NotFound(i32),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("application {0} was changed by someone else; reload and try again")]
    Conflict(i32),
    #[error("stored application holds an unknown value: {0}")]
    Corrupt(#[from] UnknownValue),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ReviewError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "application.not_found",
            Self::Transition(_) => TransitionError::CODE,
            Self::Conflict(_) => "application.conflict",
            Self::Corrupt(_) | Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotFound(_) => "申请不存在".into(),
            Self::Transition(t) => t.message_zh(),
            Self::Conflict(_) => "该申请已被他人更新，请刷新后重试".into(),
            Self::Corrupt(_) | Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

/// Parses the stored state and the facts the lifecycle needs.
pub fn state_of(app: &application::Model) -> Result<(ApplicationState, Context), UnknownValue> {
    let ctx = Context {
        operation: app.operation_type.parse::<OperationType>()?,
        delivery: app.delivery.parse::<Delivery>()?,
    };
    Ok((app.state.parse()?, ctx))
}

/// Applies `event` inside the caller's transaction and records it in the audit trail.
pub async fn apply_event_in(
    txn: &impl ConnectionTrait,
    application_id: i32,
    event: Event,
    actor: Actor,
    policy: &ReviewSettings,
) -> Result<application::Model, ReviewError> {
    let app = application::Entity::find_by_id(application_id)
        .one(txn)
        .await?
        .ok_or(ReviewError::NotFound(application_id))?;
    let (from, ctx) = state_of(&app)?;
    let to = from.apply(event, &ctx)?;
    let now = chrono::Utc::now();

    let mut update = application::Entity::update_many()
        .col_expr(application::Column::State, Expr::value(to.as_str()))
        .col_expr(application::Column::Version, Expr::value(app.version + 1))
        .col_expr(application::Column::UpdatedAt, Expr::value(now));
    let mut stamps = Vec::new();
    match event {
        Event::Submit => stamps.push(application::Column::SubmittedAt),
        Event::ChecksDone | Event::SkipChecks => stamps.push(application::Column::QueuedAt),
        Event::Approve | Event::Return | Event::Reject => stamps.push(application::Column::DecidedAt),
        _ => {}
    }
    if to.is_terminal() {
        stamps.push(application::Column::ClosedAt);
    }
    for col in stamps {
        update = update.col_expr(col, Expr::value(now));
    }
    let mut routed_to = None;
    if to == ApplicationState::InReview {
        // The SLA clock starts when the case reaches the queue, in China's working days; a
        // resubmission has its own (shorter) one.
        let calendar =
            WorkCalendar::load(txn, now.with_timezone(&super::calendar::beijing()).date_naive()).await?;
        let resubmitted = app.resubmissions > 0;
        let days = if resubmitted { policy.resubmission_sla_working_days } else { policy.sla_working_days };
        let due = calendar.add_working_days(now, days);
        update = update.col_expr(application::Column::DueAtMs, Expr::value(due.timestamp_millis()));
        if resubmitted {
            routed_to = super::routing::returning_reviewer_on_duty(txn, application_id, now, policy).await?;
        }
        if let Some(reviewer) = routed_to {
            update = update
                .col_expr(application::Column::AssigneeId, Expr::value(reviewer))
                .col_expr(application::Column::ClaimedAt, Expr::value(now));
        }
    }
    if event == Event::Resubmit {
        update = update.col_expr(application::Column::Resubmissions, Expr::value(app.resubmissions + 1));
    }
    if matches!(to, ApplicationState::Approved | ApplicationState::Returned | ApplicationState::Rejected) {
        // A decided case leaves its reviewer's hands.
        update = update.col_expr(application::Column::AssigneeId, Expr::value(Option::<i32>::None)).col_expr(
            application::Column::ClaimedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        );
    }
    let res = update
        .filter(application::Column::Id.eq(application_id))
        .filter(application::Column::Version.eq(app.version))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ReviewError::Conflict(application_id));
    }
    audit::record(
        txn,
        audit::Entry {
            actor,
            action: "application.transition",
            application_id: Some(application_id),
            document_id: None,
            detail: serde_json::json!({ "event": event.as_str(), "from": from.as_str(), "to": to.as_str() }),
        },
    )
    .await?;
    if let Some(reviewer) = routed_to {
        let detail = serde_json::json!({ "to": reviewer });
        audit::record(
            txn,
            audit::Entry {
                actor,
                action: "case.routed",
                application_id: Some(application_id),
                document_id: None,
                detail,
            },
        )
        .await?;
    }
    application::Entity::find_by_id(application_id)
        .one(txn)
        .await?
        .ok_or(ReviewError::NotFound(application_id))
}

/// Applies `event` in a transaction of its own.
pub async fn apply_event(
    db: &DatabaseConnection,
    application_id: i32,
    event: Event,
    actor: Actor,
    policy: &ReviewSettings,
) -> Result<application::Model, ReviewError> {
    let txn = begin_write(db).await?;
    let app = apply_event_in(&txn, application_id, event, actor, policy).await?;
    txn.commit().await?;
    Ok(app)
}
