//! Login throttling, shared by every node through `login_attempts`: too many failures for one
//! username (since its last success) or from one address within the window refuse further
//! tries until the window has passed.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::session::now_ms;
use crate::config::AuthSettings;
use crate::entities::login_attempt;

/// Whether a login for `username` from `ip` may be tried now.
pub async fn allowed(
    db: &impl ConnectionTrait,
    username: &str,
    ip: &str,
    cfg: &AuthSettings,
) -> Result<bool, DbErr> {
    let since = now_ms() - (cfg.failed_login_window_mins * 60_000) as i64;
    let last_ok: Option<i64> = login_attempt::Entity::find()
        .select_only()
        .expr(Expr::col(login_attempt::Column::AtMs).max())
        .filter(login_attempt::Column::Username.eq(username))
        .filter(login_attempt::Column::Ok.eq(true))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let user_failures =
        failures(db, login_attempt::Column::Username, username, Ord::max(since, last_ok.unwrap_or(0)))
            .await?;
    if user_failures >= cfg.max_failed_logins as i64 {
        return Ok(false);
    }
    Ok(failures(db, login_attempt::Column::Ip, ip, since).await? < cfg.max_failed_logins_per_ip as i64)
}

async fn failures(
    db: &impl ConnectionTrait,
    col: login_attempt::Column,
    value: &str,
    since: i64,
) -> Result<i64, DbErr> {
    let n: Option<i64> = login_attempt::Entity::find()
        .select_only()
        .expr(Expr::col(login_attempt::Column::Id).count())
        .filter(col.eq(value))
        .filter(login_attempt::Column::Ok.eq(false))
        .filter(login_attempt::Column::AtMs.gt(since))
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Records an attempt. A success also removes attempts older than a week (or two windows):
/// they are never counted again, and the table stays small without a timer on any node.
pub async fn record(
    db: &impl ConnectionTrait,
    username: &str,
    ip: &str,
    ok: bool,
    cfg: &AuthSettings,
) -> Result<(), DbErr> {
    if ok {
        let keep_ms = (Ord::max(7 * 24 * 60, 2 * cfg.failed_login_window_mins) * 60_000) as i64;
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::AtMs.lt(now_ms() - keep_ms))
            .exec(db)
            .await?;
    }
    login_attempt::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        ip: Set(ip.chars().take(64).collect()),
        ok: Set(ok),
        at_ms: Set(now_ms()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
