//! Login throttling, shared by every node through `login_attempts`.
//!
//! - Per address: more than `max_failed_logins_per_ip` failures within the window refuse the
//!   address until the window has passed (the address is the client's, proxy-aware: see
//!   `web::client`).
//! - Per username: after `max_failed_logins` failures since its last success, each further try
//!   must wait `login_delay_base_secs × 2^(failures − max)` (at most `login_delay_max_secs`)
//!   after the last failure. A slowing, not a lock: a stranger cannot shut a staff member out,
//!   and tries refused while waiting are not counted, so hammering does not lengthen the wait.
//!
//! Check and count are one step: an attempt is recorded (as failed) *before* it is judged, and
//! judged by the rows then present, its own and any racing twin's included. Of N attempts at
//! once, at most the limit see a count within it, so parallel requests cannot outrun the limit.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::session::now_ms;
use crate::config::AuthSettings;
use crate::entities::login_attempt;

/// What the gate says of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead; settle the attempt (its row) with [`settle`] once the password is checked.
    Open(i32),
    /// Too many failures from this address within the window.
    Address,
    /// This username must wait this many more seconds.
    Slowed { retry_after_secs: u64 },
}

/// Records an attempt for `username` from `ip` and says whether it may be tried now.
pub async fn enter(
    db: &impl ConnectionTrait,
    username: &str,
    ip: &str,
    cfg: &AuthSettings,
) -> Result<Gate, DbErr> {
    let now = now_ms();
    let row = login_attempt::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        ip: Set(ip.chars().take(64).collect()),
        ok: Set(false),
        at_ms: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let since = now - (cfg.failed_login_window_mins * 60_000) as i64;
    let gate = judge(db, &row, since, cfg, now).await?;
    if gate != Gate::Open(row.id) {
        // A refused try is not a failure: it neither counts nor lengthens anyone's wait.
        login_attempt::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(gate)
}

async fn judge(
    db: &impl ConnectionTrait,
    row: &login_attempt::Model,
    since: i64,
    cfg: &AuthSettings,
    now: i64,
) -> Result<Gate, DbErr> {
    let from_ip = count(failures(login_attempt::Column::Ip, &row.ip, since), db).await?;
    if from_ip > cfg.max_failed_logins_per_ip as i64 {
        return Ok(Gate::Address);
    }
    let last_ok: Option<i64> = login_attempt::Entity::find()
        .select_only()
        .expr(Expr::col(login_attempt::Column::AtMs).max())
        .filter(login_attempt::Column::Username.eq(&row.username))
        .filter(login_attempt::Column::Ok.eq(true))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let others = || {
        failures(login_attempt::Column::Username, &row.username, Ord::max(since, last_ok.unwrap_or(0)))
            .filter(login_attempt::Column::Id.ne(row.id))
    };
    let before = count(others(), db).await?;
    let free = cfg.max_failed_logins as i64;
    if before < free {
        return Ok(Gate::Open(row.id));
    }
    let last: Option<i64> = others()
        .select_only()
        .expr(Expr::col(login_attempt::Column::AtMs).max())
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let wait_ms = delay_secs(before - free, cfg) as i64 * 1000;
    let waited = now - last.unwrap_or(0);
    if waited >= wait_ms {
        Ok(Gate::Open(row.id))
    } else {
        Ok(Gate::Slowed { retry_after_secs: ((wait_ms - waited) as u64).div_ceil(1000) })
    }
}

/// The wait after the `extra`-th failure past the free ones.
pub fn delay_secs(extra: i64, cfg: &AuthSettings) -> u64 {
    let doubling = extra.clamp(0, 30) as u32;
    Ord::min(cfg.login_delay_base_secs.saturating_mul(1u64 << doubling), cfg.login_delay_max_secs)
}

fn failures(col: login_attempt::Column, value: &str, since: i64) -> sea_orm::Select<login_attempt::Entity> {
    login_attempt::Entity::find()
        .filter(col.eq(value))
        .filter(login_attempt::Column::Ok.eq(false))
        .filter(login_attempt::Column::AtMs.gt(since))
}

async fn count(q: sea_orm::Select<login_attempt::Entity>, db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let n: Option<i64> =
        q.select_only().expr(Expr::col(login_attempt::Column::Id).count()).into_tuple().one(db).await?;
    Ok(n.unwrap_or(0))
}

/// Settles an attempt the gate let through. A success also removes attempts older than a week
/// (or two windows): they are never counted again, and the table stays small without a timer.
pub async fn settle(
    db: &impl ConnectionTrait,
    attempt: i32,
    ok: bool,
    cfg: &AuthSettings,
) -> Result<(), DbErr> {
    if ok {
        login_attempt::Entity::update_many()
            .col_expr(login_attempt::Column::Ok, Expr::value(true))
            .filter(login_attempt::Column::Id.eq(attempt))
            .exec(db)
            .await?;
        let keep_ms = (Ord::max(7 * 24 * 60, 2 * cfg.failed_login_window_mins) * 60_000) as i64;
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::AtMs.lt(now_ms() - keep_ms))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_base_up_to_the_cap() {
        let cfg =
            AuthSettings { login_delay_base_secs: 2, login_delay_max_secs: 60, ..AuthSettings::default() };
        let waits: Vec<u64> = (0..7).map(|n| delay_secs(n, &cfg)).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(delay_secs(10_000, &cfg), 60);
    }
}
