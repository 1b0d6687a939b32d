//! Fixed-window rate limits kept in the database (`rate_limits`), so every node counts the same
//! hits. One statement counts a hit and returns the window's total: two racing hits are never
//! both the last allowed one.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// Counts a hit on `bucket` and says whether it is within `limit` hits per `window_secs`.
pub async fn hit(
    db: &impl ConnectionTrait,
    bucket: &str,
    window_secs: u64,
    limit: u32,
) -> Result<bool, DbErr> {
    let now = chrono::Utc::now().timestamp_millis();
    let cutoff = now - (window_secs * 1000) as i64;
    let backend = db.get_database_backend();
    let p = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".into() };
    // SQLite numbers `?` in order of appearance, so the values follow the text's order.
    let sql = format!(
        "INSERT INTO rate_limits (bucket, window_start_ms, hits) VALUES ({}, {}, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start_ms < {} THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start_ms = CASE WHEN rate_limits.window_start_ms < {} THEN {} ELSE rate_limits.window_start_ms END \
         RETURNING hits",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    );
    let bucket: String = bucket.chars().take(120).collect();
    let values = vec![bucket.into(), now.into(), cutoff.into(), cutoff.into(), now.into()];
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let hits: i64 = match row {
        Some(r) => r.try_get_by_index::<i32>(0).map(i64::from).or_else(|_| r.try_get_by_index::<i64>(0))?,
        None => 1,
    };
    Ok(hits <= i64::from(limit))
}
