//! Sessions: a random token in an HttpOnly cookie, its SHA-256 in `staff_sessions` with the
//! session's CSRF token, idle and absolute expiry. Stored in the database, so every node
//! recognises every session and logging out ends it everywhere.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::{Staff, random_token, token_hash};
use crate::config::AuthSettings;
use crate::entities::{staff_session, staff_user};

pub const COOKIE: &str = "sealdesk_session";

/// Last-seen times are written at most this often, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

pub async fn create(
    db: &impl ConnectionTrait,
    staff_id: i32,
    ip: Option<String>,
    user_agent: Option<String>,
    cfg: &AuthSettings,
) -> Result<NewSession, DbErr> {
    let (token, csrf_token) = (random_token(), random_token());
    let now = now_ms();
    staff_session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        staff_id: Set(staff_id),
        csrf_token: Set(csrf_token.clone()),
        created_at_ms: Set(now),
        last_seen_ms: Set(now),
        expires_at_ms: Set(now + (cfg.session_max_hours * 3_600_000) as i64),
        ip: Set(ip),
        user_agent: Set(user_agent.map(|u| u.chars().take(200).collect())),
    }
    .insert(db)
    .await?;
    sweep(db, now, cfg).await?;
    Ok(NewSession { token, csrf_token })
}

/// Removes sessions that can no longer be used, so the table holds live sessions only. Runs at
/// each sign-in: cheap, and no node needs a timer for it.
async fn sweep(db: &impl ConnectionTrait, now: i64, cfg: &AuthSettings) -> Result<(), DbErr> {
    let idle_ms = (cfg.session_idle_mins * 60_000) as i64;
    staff_session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(staff_session::Column::ExpiresAtMs.lte(now))
                .add(staff_session::Column::LastSeenMs.lte(now - idle_ms)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The staff member behind a session token, if the session is live and the account active.
pub async fn lookup(
    db: &impl ConnectionTrait,
    token: &str,
    cfg: &AuthSettings,
) -> Result<Option<Staff>, DbErr> {
    let now = now_ms();
    let idle_ms = (cfg.session_idle_mins * 60_000) as i64;
    let hash = token_hash(token);
    let Some(session) = staff_session::Entity::find_by_id(hash.clone())
        .filter(staff_session::Column::ExpiresAtMs.gt(now))
        .filter(staff_session::Column::LastSeenMs.gt(now - idle_ms))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(staff) = staff_user::Entity::find_by_id(session.staff_id)
        .one(db)
        .await?
        .and_then(|u| Staff::from_user(u, session.csrf_token.clone()))
    else {
        return Ok(None);
    };
    if now - session.last_seen_ms > TOUCH_EVERY_MS {
        staff_session::Entity::update_many()
            .col_expr(staff_session::Column::LastSeenMs, Expr::value(now))
            .filter(staff_session::Column::TokenHash.eq(hash))
            .exec(db)
            .await?;
    }
    Ok(Some(staff))
}

pub async fn destroy(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    staff_session::Entity::delete_by_id(token_hash(token)).exec(db).await?;
    Ok(())
}

/// Ends every session of one account (deactivated, password changed).
pub async fn destroy_all_for(db: &impl ConnectionTrait, staff_id: i32) -> Result<u64, DbErr> {
    let res = staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffId.eq(staff_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
