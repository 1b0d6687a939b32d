//! The job table as a queue. Every write after a claim is fenced on (id, locked_by, attempts):
//! a worker whose lease lapsed and was taken over can neither complete nor fail the job.
//!
//! Claiming: PostgreSQL locks the chosen row with `FOR UPDATE SKIP LOCKED`, so concurrent
//! claimers on several nodes skip each other's rows; SQLite runs the same single
//! `UPDATE … WHERE id = (SELECT …) RETURNING` under its one write lock, which is equally exclusive.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use serde::Serialize;

use crate::db::now_ms_sql;

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// At most one unfinished job per key: enqueueing again is a no-op.
    pub dedupe_key: Option<String>,
    pub delay_ms: i64,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new(kind: &'static str, payload: impl Serialize, max_attempts: i32) -> Self {
        Self {
            kind,
            payload: serde_json::to_value(payload).unwrap_or(serde_json::Value::Null),
            dedupe_key: None,
            delay_ms: 0,
            max_attempts,
        }
    }

    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// A job this worker holds the lease on.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i32,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This claim's attempt number (1 for the first run).
    pub attempt: i32,
    pub max_attempts: i32,
    pub worker: String,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("lease on job {0} lost: another worker has taken it over")]
    LeaseLost(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn stmt(db: &impl ConnectionTrait, sql: String, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// Enqueues inside the caller's transaction, so the job exists exactly when the change that
/// caused it does. Returns the job id, or `None` when a live job with the same dedupe key exists.
pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob) -> Result<Option<i32>, DbErr> {
    let now = now_ms_sql(db.get_database_backend());
    let sql = format!(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at_ms, dedupe_key, created_at_ms) \
         VALUES ($1, $2, 'queued', 0, $3, {now} + $4, $5, {now}) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    );
    let values = vec![
        job.kind.into(),
        job.payload.into(),
        job.max_attempts.into(),
        job.delay_ms.into(),
        job.dedupe_key.into(),
    ];
    let row = db.query_one_raw(stmt(db, sql, values)).await?;
    row.map(|r| r.try_get::<i32>("", "id")).transpose()
}

/// Takes the next runnable job of one of `kinds`: queued and due, or running with a lapsed lease
/// (its worker died). Increments the attempt and sets a lease of `lease_ms`.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    kinds: &[&str],
    lease_ms: i64,
) -> Result<Option<ClaimedJob>, DbErr> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let now = now_ms_sql(backend);
    let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
    let lock = if backend == DbBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
         lease_until_ms = {now} + $2 \
         WHERE id = (SELECT id FROM jobs WHERE kind IN ({kinds}) AND \
           ((state = 'queued' AND run_at_ms <= {now}) OR (state = 'running' AND lease_until_ms < {now})) \
           ORDER BY run_at_ms, id LIMIT 1 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts",
        kinds = kind_params.join(", ")
    );
    let mut values: Vec<Value> = vec![worker.into(), lease_ms.into()];
    values.extend(kinds.iter().map(|k| Value::from(*k)));
    let Some(row) = db.query_one_raw(stmt(db, sql, values)).await? else {
        return Ok(None);
    };
    Ok(Some(claimed_from_row(&row, worker)?))
}

fn claimed_from_row(row: &QueryResult, worker: &str) -> Result<ClaimedJob, DbErr> {
    Ok(ClaimedJob {
        id: row.try_get("", "id")?,
        kind: row.try_get("", "kind")?,
        payload: row.try_get("", "payload")?,
        attempt: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
        worker: worker.to_string(),
    })
}

/// Runs one fenced update; `Ok(())` only if this claim still held the job.
async fn fenced(
    db: &impl ConnectionTrait,
    job: &ClaimedJob,
    set: &str,
    extra: Vec<Value>,
) -> Result<(), QueueError> {
    let n = extra.len();
    let sql = format!(
        "UPDATE jobs SET {set} WHERE id = ${} AND locked_by = ${} AND attempts = ${} AND state = 'running'",
        n + 1,
        n + 2,
        n + 3
    );
    let mut values = extra;
    values.extend([Value::from(job.id), job.worker.as_str().into(), job.attempt.into()]);
    let res = db.execute_raw(stmt(db, sql, values)).await?;
    if res.rows_affected() == 1 { Ok(()) } else { Err(QueueError::LeaseLost(job.id)) }
}

/// Extends the lease. `LeaseLost` tells the worker to stop: someone else owns the job now.
pub async fn heartbeat(db: &impl ConnectionTrait, job: &ClaimedJob, lease_ms: i64) -> Result<(), QueueError> {
    let now = now_ms_sql(db.get_database_backend());
    fenced(db, job, &format!("lease_until_ms = {now} + $1"), vec![lease_ms.into()]).await
}

/// Marks the job done. Call it inside the transaction that applies the job's effects: if the
/// lease was lost the caller rolls back and the effects never happen twice.
pub async fn complete(db: &impl ConnectionTrait, job: &ClaimedJob) -> Result<(), QueueError> {
    let now = now_ms_sql(db.get_database_backend());
    let set = format!(
        "state = 'done', finished_at_ms = {now}, lease_until_ms = NULL, dedupe_key = NULL, last_error = NULL"
    );
    fenced(db, job, &set, vec![]).await
}

/// Records a failure: back to the queue after `retry_in_ms`, or dead once attempts are spent
/// (or at once when `permanent`). Dead jobs stay in the table for people to see and retry.
pub async fn fail(
    db: &impl ConnectionTrait,
    job: &ClaimedJob,
    error: &str,
    retry_in_ms: i64,
    permanent: bool,
) -> Result<bool, QueueError> {
    let now = now_ms_sql(db.get_database_backend());
    let dead = permanent || job.attempt >= job.max_attempts;
    let set = if dead {
        format!(
            "state = 'dead', last_error = $1, lease_until_ms = NULL, finished_at_ms = {now}, dedupe_key = NULL"
        )
    } else {
        format!("state = 'queued', last_error = $1, lease_until_ms = NULL, run_at_ms = {now} + $2")
    };
    let mut values: Vec<Value> = vec![error.chars().take(2000).collect::<String>().into()];
    if !dead {
        values.push(retry_in_ms.into());
    }
    fenced(db, job, &set, values).await?;
    Ok(dead)
}

/// Gives the job back untouched (shutdown before it finished): the attempt is not counted.
pub async fn release(db: &impl ConnectionTrait, job: &ClaimedJob) -> Result<(), QueueError> {
    fenced(
        db,
        job,
        "state = 'queued', attempts = attempts - 1, lease_until_ms = NULL, locked_by = NULL",
        vec![],
    )
    .await
}

/// Puts the job back for later without counting this attempt (the handler chose to wait).
pub async fn defer(db: &impl ConnectionTrait, job: &ClaimedJob, delay_ms: i64) -> Result<(), QueueError> {
    let now = now_ms_sql(db.get_database_backend());
    let set = format!(
        "state = 'queued', attempts = attempts - 1, lease_until_ms = NULL, locked_by = NULL, run_at_ms = {now} + $1"
    );
    fenced(db, job, &set, vec![delay_ms.into()]).await
}

/// Puts a dead job back on the queue with a fresh set of attempts.
pub async fn retry_dead(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    let now = now_ms_sql(db.get_database_backend());
    let sql = format!(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at_ms = {now}, finished_at_ms = NULL \
         WHERE id = $1 AND state = 'dead'"
    );
    Ok(db.execute_raw(stmt(db, sql, vec![id.into()])).await?.rows_affected() == 1)
}

/// Number of jobs in each state.
pub async fn counts(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    let sql = "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state".to_string();
    let rows = db.query_all_raw(stmt(db, sql, vec![])).await?;
    rows.iter().map(|r| Ok((r.try_get("", "state")?, r.try_get("", "n")?))).collect()
}

/// Retry delay for the attempt that just failed: base·2^(attempt−1), capped.
pub fn backoff_ms(attempt: i32, base_secs: u64, max_secs: u64) -> i64 {
    let exp = (attempt.max(1) - 1).min(20) as u32;
    let secs = base_secs.saturating_mul(1u64 << exp).min(max_secs);
    (secs * 1000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1, 5, 600), 5_000);
        assert_eq!(backoff_ms(2, 5, 600), 10_000);
        assert_eq!(backoff_ms(4, 5, 600), 40_000);
        assert_eq!(backoff_ms(30, 5, 600), 600_000);
    }
}
