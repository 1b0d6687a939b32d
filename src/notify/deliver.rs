//! The `notify.send` job: delivers one outbox row on its channel and records every attempt.
//!
//! Delivery guarantee. Before handing a message to its transport the deliverer commits an
//! attempt row in state `sending`; after the transport accepted it, one transaction marks the
//! attempt and the message sent and completes the job. A sender that dies between the two
//! leaves a `sending` attempt, which the next run marks `unknown`: the message may or may not
//! have gone out. Then
//! - on a transport that honours idempotency keys (the webhook, the log sink) it sends again
//!   with the same key, and the gateway delivers once;
//! - on one that does not (SMTP, Alibaba SMS) it sends again once; after a second unknown
//!   outcome it stops and dead-letters the message for a supervisor, so at most one extra
//!   copy ever goes out, and each possible copy is on record.

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Set, TransactionTrait, sea_query::Expr,
};

use super::context::{DecisionPayload, MessageContext};
use super::outbox::{JOB_KIND, SendJob};
use super::templates::TemplateSet;
use super::transport::{Body, Outgoing};
use super::{Channel, NotifySettings, Transports, link, mask_recipient};
use crate::entities::{application, notification, notification_attempt};
use crate::jobs::{ClaimedJob, JobContext, JobError, JobHandler};

const HOUR_MS: i64 = 3_600_000;

pub struct DeliverHandler {
    pub settings: Arc<NotifySettings>,
    pub transports: Transports,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How long this application's channel must wait before another message, if it is at its limit.
async fn rate_wait(
    db: &impl ConnectionTrait,
    application_id: i32,
    channel: Channel,
    limit: u32,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let now = now_ms();
    let sent: Vec<Option<i64>> = notification::Entity::find()
        .select_only()
        .column(notification::Column::SentAtMs)
        .filter(notification::Column::ApplicationId.eq(application_id))
        .filter(notification::Column::Channel.eq(channel.as_str()))
        .filter(notification::Column::SentAtMs.gte(now - HOUR_MS))
        .into_tuple()
        .all(db)
        .await?;
    if sent.len() < limit as usize {
        return Ok(None);
    }
    let oldest = sent.iter().flatten().min().copied().unwrap_or(now);
    Ok(Some((oldest + HOUR_MS - now).max(1_000)))
}

/// The applicant's address on `channel`, from the application as it is now.
fn recipient(app: &application::Model, channel: Channel) -> Result<String, JobError> {
    let bad = |what: &str| JobError::Permanent(format!("application {} has no valid {what}", app.id));
    match channel {
        Channel::Sms => crate::domain::Mobile::parse(&app.operator_mobile)
            .map(|m| m.as_str().to_string())
            .map_err(|_| bad("mobile number")),
        Channel::Email => crate::domain::Email::parse(&app.operator_email)
            .map(|e| e.as_str().to_string())
            .map_err(|_| bad("e-mail address")),
    }
}

fn message_id(settings: &NotifySettings, n: &notification::Model) -> String {
    let url = reqwest::Url::parse(&settings.public_base_url).ok();
    let host = url.as_ref().and_then(|u| u.host_str()).unwrap_or("localhost");
    format!("<notification-{}.{}@{host}>", n.id, n.idempotency_key.replace(':', "-"))
}

/// Marks what a dead sender left as `sending` as `unknown`; returns how many are unknown now.
async fn settle_interrupted(db: &impl ConnectionTrait, id: i32) -> Result<u64, sea_orm::DbErr> {
    notification_attempt::Entity::update_many()
        .col_expr(notification_attempt::Column::Outcome, Expr::value("unknown"))
        .col_expr(notification_attempt::Column::FinishedAtMs, Expr::value(now_ms()))
        .col_expr(
            notification_attempt::Column::Error,
            Expr::value("the sender stopped before the transport answered: delivered or not, unknown"),
        )
        .filter(notification_attempt::Column::NotificationId.eq(id))
        .filter(notification_attempt::Column::Outcome.eq("sending"))
        .exec(db)
        .await?;
    notification_attempt::Entity::find()
        .filter(notification_attempt::Column::NotificationId.eq(id))
        .filter(notification_attempt::Column::Outcome.eq("unknown"))
        .count(db)
        .await
}

#[async_trait::async_trait]
impl JobHandler for DeliverHandler {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let SendJob { notification_id: id } = ctx.payload()?;
        let db = &ctx.db;
        let Some(n) = notification::Entity::find_by_id(id).one(db).await? else {
            return Err(JobError::Permanent(format!("notification {id} does not exist")));
        };
        if n.state != "pending" {
            return Ok(());
        }
        let channel = Channel::parse(&n.channel)
            .ok_or_else(|| JobError::Permanent(format!("channel {}", n.channel)))?;
        let transport = self.transports.get(channel).clone();

        let unknown = settle_interrupted(db, id).await?;
        if unknown >= 2 && !transport.idempotent() {
            return Err(JobError::Permanent(
                "delivery unconfirmed twice (the sender stopped mid-send); not sent again without a supervisor"
                    .into(),
            ));
        }
        let app_id = n.application_id.ok_or_else(|| JobError::Permanent("no application".into()))?;
        if let Some(wait_ms) =
            rate_wait(db, app_id, channel, self.settings.max_per_application_per_hour).await?
        {
            tracing::info!(notification = id, wait_ms, "applicant at the hourly limit; message waits");
            return Err(JobError::Defer(wait_ms));
        }
        let app = application::Entity::find_by_id(app_id)
            .one(db)
            .await?
            .ok_or_else(|| JobError::Permanent(format!("application {app_id} does not exist")))?;
        let to = recipient(&app, channel)?;

        let payload: DecisionPayload = serde_json::from_value(n.payload.clone())
            .map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
        let key = link::secret(db, &self.settings).await?;
        let (url, expires) = link::url(&self.settings, &key, app_id);
        let expires =
            expires.with_timezone(&crate::review::calendar::beijing()).format("%Y年%m月%d日").to_string();
        let mctx = MessageContext::new(&payload, &self.settings, &url, &expires);
        let templates = TemplateSet::load(db).await?;
        let bad_template = |e: super::templates::TemplateError| JobError::Permanent(e.to_string());
        let params = mctx.sms_params();
        let msg_id = message_id(&self.settings, &n);
        let (sms, mail, rendered);
        let body = match channel {
            Channel::Sms => {
                sms = templates.sms(&n.template, &mctx).map_err(bad_template)?;
                rendered = sms.0.clone();
                Body::Sms { text: &sms, params: &params }
            }
            Channel::Email => {
                mail = templates.email(&n.template, &mctx).map_err(bad_template)?;
                rendered = format!("主题：{}\n\n{}", mail.subject, mail.text);
                Body::Email { mail: &mail, message_id: &msg_id }
            }
        };
        let outgoing = Outgoing { to: &to, idempotency_key: &n.idempotency_key, template: &n.template, body };

        // Committed before sending: if this process dies now, the next run knows a copy may be out.
        let attempt_no = n.attempts + 1;
        let attempt = notification_attempt::ActiveModel {
            notification_id: Set(id),
            attempt: Set(attempt_no),
            worker: Set(ctx.job.worker.chars().take(64).collect()),
            started_at_ms: Set(now_ms()),
            outcome: Set("sending".into()),
            ..Default::default()
        }
        .insert(db)
        .await?;

        let masked = mask_recipient(&to);
        match transport.send(&outgoing).await {
            Ok(receipt) => {
                let txn = db.begin().await?;
                let now = now_ms();
                let mut a: notification_attempt::ActiveModel = attempt.into();
                a.outcome = Set("sent".into());
                a.finished_at_ms = Set(Some(now));
                a.provider_ref = Set(receipt.provider_ref.clone());
                a.update(&txn).await?;
                let mut am: notification::ActiveModel = n.into();
                am.state = Set("sent".into());
                am.attempts = Set(attempt_no);
                am.last_error = Set(None);
                am.sent_at = Set(Some(chrono::Utc::now()));
                am.sent_at_ms = Set(Some(now));
                am.rendered = Set(Some(rendered));
                am.provider = Set(Some(transport.name().into()));
                am.provider_ref = Set(receipt.provider_ref);
                am.update(&txn).await?;
                ctx.finish_in(&txn).await?;
                txn.commit().await?;
                tracing::info!(notification = id, channel = channel.as_str(), to = %masked, "message sent");
                Ok(())
            }
            Err(e) => {
                let mut a: notification_attempt::ActiveModel = attempt.into();
                a.outcome = Set("failed".into());
                a.finished_at_ms = Set(Some(now_ms()));
                a.error = Set(Some(e.message.chars().take(2000).collect()));
                a.update(db).await?;
                let mut am: notification::ActiveModel = n.into();
                am.attempts = Set(attempt_no);
                am.last_error = Set(Some(e.message.chars().take(2000).collect()));
                am.rendered = Set(Some(rendered));
                am.update(db).await?;
                tracing::warn!(notification = id, channel = channel.as_str(), to = %masked, error = %e, "sending failed");
                if e.permanent || ctx.job.attempt >= self.settings.max_attempts {
                    Err(JobError::Permanent(e.message))
                } else {
                    Err(JobError::Retry(e.message))
                }
            }
        }
    }

    /// The job is dead (attempts spent, a permanent failure, or its workers all died): the
    /// message is dead-lettered where supervisors look for it.
    async fn on_dead(&self, db: &sea_orm::DatabaseConnection, job: &ClaimedJob, error: &str) {
        let Ok(SendJob { notification_id }) = serde_json::from_value::<SendJob>(job.payload.clone()) else {
            return;
        };
        let res = notification::Entity::update_many()
            .col_expr(notification::Column::State, Expr::value("dead"))
            .col_expr(
                notification::Column::LastError,
                Expr::value(error.chars().take(2000).collect::<String>()),
            )
            .filter(notification::Column::Id.eq(notification_id))
            .filter(notification::Column::State.eq("pending"))
            .exec(db)
            .await;
        match res {
            Ok(_) => tracing::warn!(notification = notification_id, error, "message dead-lettered"),
            Err(e) => tracing::warn!(notification = notification_id, error = %e, "dead-lettering failed"),
        }
    }
}
