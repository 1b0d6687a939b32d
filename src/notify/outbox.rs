//! The outbox: one `notifications` row per message and channel, and the job that delivers it,
//! both written inside the caller's transaction, so a message exists exactly when the decision
//! that causes it does. Rows name the application, not its contact details: the deliverer
//! reads the mobile and e-mail address when it sends, so they are not copied into another table.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, sea_query::Expr,
};

use super::Channel;
use crate::entities::{notification, notification_attempt};
use crate::jobs::{NewJob, queue};

pub const JOB_KIND: &str = "notify.send";

/// Attempts are counted against `notify.max_attempts` by the deliverer, which reads the setting
/// when it runs; the job's own limit only bounds workers that die on every attempt.
const JOB_MAX_ATTEMPTS: i32 = 100;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SendJob {
    pub notification_id: i32,
}

fn send_job(notification_id: i32) -> NewJob {
    NewJob::new(JOB_KIND, SendJob { notification_id }, JOB_MAX_ATTEMPTS)
        .dedupe(format!("notify:{notification_id}"))
}

/// Queues `template` for the applicant of `application_id` on every channel. `key` is unique
/// to the cause (`decision:17`); each row's key adds the channel.
pub async fn enqueue_for_applicant(
    txn: &impl ConnectionTrait,
    application_id: i32,
    template: &str,
    payload: serde_json::Value,
    key: &str,
) -> Result<Vec<i32>, DbErr> {
    let mut ids = Vec::new();
    for channel in Channel::ALL {
        let row = notification::ActiveModel {
            application_id: Set(Some(application_id)),
            channel: Set(channel.as_str().into()),
            recipient: Set(format!("application:{application_id}")),
            template: Set(template.into()),
            payload: Set(payload.clone()),
            state: Set("pending".into()),
            attempts: Set(0),
            idempotency_key: Set(format!("{key}:{}", channel.as_str())),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        queue::enqueue(txn, send_job(row.id)).await?;
        ids.push(row.id);
    }
    Ok(ids)
}

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("notification {0} not found")]
    NotFound(i32),
    #[error("notification {0} is not dead-lettered")]
    NotDead(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A supervisor's retry of a dead-lettered message: back to pending with a fresh job. Attempts
/// whose outcome was unknown are marked as seen, so the deliverer's one-resend allowance starts
/// again: the supervisor has chosen to risk a duplicate.
pub async fn retry(txn: &impl ConnectionTrait, id: i32) -> Result<notification::Model, RetryError> {
    let n = notification::Entity::find_by_id(id).one(txn).await?.ok_or(RetryError::NotFound(id))?;
    if n.state != "dead" {
        return Err(RetryError::NotDead(id));
    }
    notification_attempt::Entity::update_many()
        .col_expr(notification_attempt::Column::Outcome, Expr::value("unknown_seen"))
        .filter(notification_attempt::Column::NotificationId.eq(id))
        .filter(notification_attempt::Column::Outcome.eq("unknown"))
        .exec(txn)
        .await?;
    let mut am: notification::ActiveModel = n.into();
    am.state = Set("pending".into());
    let n = am.update(txn).await?;
    queue::enqueue(txn, send_job(id)).await?;
    Ok(n)
}

/// Dead-lettered messages, newest first, for the supervisor.
pub async fn dead(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<notification::Model>, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::State.eq("dead"))
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The attempts of one message, oldest first.
pub async fn attempts(
    db: &impl ConnectionTrait,
    notification_id: i32,
) -> Result<Vec<notification_attempt::Model>, DbErr> {
    notification_attempt::Entity::find()
        .filter(notification_attempt::Column::NotificationId.eq(notification_id))
        .order_by_asc(notification_attempt::Column::Id)
        .all(db)
        .await
}
