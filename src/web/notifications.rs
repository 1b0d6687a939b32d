//! `GET /supervisor/notifications`: messages to applicants by state and channel, the
//! dead-lettered ones with every attempt, and the newest; `POST
//! /supervisor/notifications/{id}/retry` sends a dead-lettered one again. Supervisors only;
//! recipients are masked; retries are audited.

use actix_web::{HttpResponse, web};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Statement, TransactionTrait};
use serde::Deserialize;

use super::auth::{Supervisor, check_csrf};
use super::{AppState, WebError, render};
use crate::audit;
use crate::entities::notification;
use crate::notify::{Channel, outbox};

fn row(n: &notification::Model, attempts: Vec<serde_json::Value>) -> minijinja::Value {
    let channel = Channel::parse(&n.channel).map_or(n.channel.as_str(), |c| c.label_zh());
    minijinja::context! {
        id => n.id, application_id => n.application_id, channel, template => &n.template, state => &n.state,
        attempts_count => n.attempts, last_error => &n.last_error, provider => &n.provider,
        created_at => n.created_at.with_timezone(&crate::review::calendar::beijing()).format("%Y-%m-%d %H:%M").to_string(),
        rendered => &n.rendered, attempts,
    }
}

pub async fn list(
    state: web::Data<AppState>,
    Supervisor(staff): Supervisor,
) -> Result<HttpResponse, WebError> {
    let db = &state.db;
    let counts = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT channel, state, COUNT(*) AS n FROM notifications GROUP BY channel, state ORDER BY channel, state",
        ))
        .await?
        .iter()
        .map(|r| {
            let channel: String = r.try_get("", "channel")?;
            let label = Channel::parse(&channel).map_or("", |c| c.label_zh());
            Ok(minijinja::context! { channel => label, state => r.try_get::<String>("", "state")?, n => r.try_get::<i64>("", "n")? })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    let mut dead = Vec::new();
    for n in outbox::dead(db, 100).await? {
        let attempts = outbox::attempts(db, n.id)
            .await?
            .into_iter()
            .map(|a| serde_json::json!({ "attempt": a.attempt, "outcome": a.outcome, "error": a.error, "worker": a.worker }))
            .collect();
        dead.push(row(&n, attempts));
    }
    let recent: Vec<_> = notification::Entity::find()
        .order_by_desc(notification::Column::Id)
        .limit(50)
        .all(db)
        .await?
        .iter()
        .map(|n| row(n, Vec::new()))
        .collect();
    render(
        &state,
        "supervisor_notifications.html",
        minijinja::context! { staff => &staff, csrf => &staff.csrf_token, counts, dead, recent },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetryForm {
    csrf: Option<String>,
}

pub async fn retry(
    state: web::Data<AppState>,
    Supervisor(staff): Supervisor,
    path: web::Path<i32>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&staff, form.csrf.as_deref())?;
    let id = path.into_inner();
    let txn = state.db.begin().await?;
    match outbox::retry(&txn, id).await {
        Ok(n) => {
            let detail =
                serde_json::json!({ "notification_id": id, "channel": n.channel, "template": n.template });
            audit::record(
                &txn,
                audit::Entry::by_staff(staff.id, "notification.retried", n.application_id, detail),
            )
            .await?;
            txn.commit().await?;
        }
        // Already retried (a double click) or sent meanwhile: nothing to do.
        Err(outbox::RetryError::NotDead(_)) => {}
        Err(outbox::RetryError::NotFound(_)) => return Err(WebError::NotFound),
        Err(outbox::RetryError::Db(e)) => return Err(e.into()),
    }
    Ok(HttpResponse::SeeOther().insert_header(("location", "/supervisor/notifications")).finish())
}
