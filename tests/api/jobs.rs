//! The durable queue against a real database: exactly-once completion across a killed worker
//! process, racing nodes, graceful shutdown, retries and dead jobs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use sealdesk::config::JobSettings;
use sealdesk::entities::{audit_event, job};
use sealdesk::jobs::probe::{self, Probe};
use sealdesk::jobs::{JobContext, JobError, JobHandler, NewJob, Registry, queue, spawn_workers};

use crate::helpers::{TestDb, eventually, spawn_serve};

async fn enqueue_probe(db: &DatabaseConnection, tag: &str, work_ms: u64) -> i32 {
    let job = NewJob::new(probe::KIND, Probe { tag: tag.into(), work_ms }, 5);
    queue::enqueue(db, job).await.unwrap().unwrap()
}

async fn job(db: &DatabaseConnection, id: i32) -> job::Model {
    job::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

/// Audit events written by probe jobs with this tag.
async fn probe_records(db: &DatabaseConnection, tag: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("job.probe"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail["tag"] == tag)
        .collect()
}

fn fast_settings(workers: usize) -> JobSettings {
    JobSettings { workers, poll_interval_ms: 20, lease_secs: 30, heartbeat_secs: 5, ..JobSettings::default() }
}

#[tokio::test]
async fn a_job_whose_worker_process_is_killed_mid_run_completes_exactly_once_elsewhere() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let short_lease = [
        ("SEALDESK__JOBS__LEASE_SECS", "2"),
        ("SEALDESK__JOBS__HEARTBEAT_SECS", "1"),
        ("SEALDESK__JOBS__POLL_INTERVAL_MS", "100"),
    ];
    let id = enqueue_probe(&conn, "killed", 2500).await;

    let mut first = spawn_serve(&db, &short_lease);
    eventually(Duration::from_secs(60), "first worker claims the job", || async {
        job(&conn, id).await.state == "running"
    })
    .await;
    let victim = job(&conn, id).await.locked_by.unwrap();
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert_eq!(job(&conn, id).await.state, "running", "the dead worker's lease is still on the job");

    let _second = spawn_serve(&db, &short_lease);
    eventually(Duration::from_secs(60), "job completes after the lease lapses", || async {
        job(&conn, id).await.state == "done"
    })
    .await;

    let done = job(&conn, id).await;
    assert_eq!(done.attempts, 2);
    let records = probe_records(&conn, "killed").await;
    assert_eq!(records.len(), 1, "the job's effect must land exactly once");
    assert_eq!(records[0].detail["attempt"], 2);
    assert_ne!(records[0].detail["worker"], victim.as_str());
}

#[tokio::test]
async fn two_nodes_racing_for_the_same_jobs_never_run_one_twice() {
    let db = TestDb::new().await;
    let node_a = db.connect().await;
    let node_b = db.connect().await;
    let tags: Vec<String> = (0..60).map(|i| format!("race-{i}")).collect();
    for (i, tag) in tags.iter().enumerate() {
        enqueue_probe(&node_a, tag, (i % 4) as u64 * 5).await;
    }
    let a = spawn_workers(
        node_a.clone(),
        Registry::default().with(probe::ProbeHandler),
        fast_settings(3),
        "node-a",
    );
    let b = spawn_workers(
        node_b.clone(),
        Registry::default().with(probe::ProbeHandler),
        fast_settings(3),
        "node-b",
    );
    eventually(Duration::from_secs(120), "all probes done", || async {
        job::Entity::find().filter(job::Column::State.ne("done")).all(&node_a).await.unwrap().is_empty()
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;

    let jobs = job::Entity::find().all(&node_a).await.unwrap();
    assert_eq!(jobs.len(), tags.len());
    assert!(jobs.iter().all(|j| j.attempts == 1), "a job was claimed more than once");
    let workers: std::collections::HashSet<String> = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("job.probe"))
        .all(&node_a)
        .await
        .unwrap()
        .iter()
        .map(|e| {
            e.detail["worker"].as_str().unwrap_or_default().split('-').take(2).collect::<Vec<_>>().join("-")
        })
        .collect();
    for tag in &tags {
        assert_eq!(probe_records(&node_a, tag).await.len(), 1, "{tag} ran other than once");
    }
    assert!(workers.contains("node-a") && workers.contains("node-b"), "both nodes worked: {workers:?}");
}

#[tokio::test]
async fn sigterm_lets_a_running_job_finish_before_the_process_exits() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let id = enqueue_probe(&conn, "graceful", 1500).await;
    let mut serve = spawn_serve(&db, &[("SEALDESK__JOBS__POLL_INTERVAL_MS", "100")]);
    eventually(Duration::from_secs(60), "job claimed", || async { job(&conn, id).await.state == "running" })
        .await;
    let pid = serve.0.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = serve.0.wait().unwrap();
    assert!(status.success(), "sealdesk exits cleanly on SIGTERM: {status}");
    assert_eq!(job(&conn, id).await.state, "done");
    assert_eq!(probe_records(&conn, "graceful").await.len(), 1);
}

#[tokio::test]
async fn shutdown_past_the_grace_period_releases_the_job_without_spending_an_attempt() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let id = enqueue_probe(&conn, "released", 60_000).await;
    let settings = JobSettings { shutdown_grace_secs: 0, ..fast_settings(1) };
    let pool = spawn_workers(conn.clone(), Registry::default().with(probe::ProbeHandler), settings, "node-r");
    eventually(Duration::from_secs(30), "job claimed", || async { job(&conn, id).await.state == "running" })
        .await;
    pool.shutdown().await;
    let released = job(&conn, id).await;
    assert_eq!((released.state.as_str(), released.attempts), ("queued", 0));
    assert!(released.locked_by.is_none());
    assert!(probe_records(&conn, "released").await.is_empty());
}

/// Fails until told to succeed; counts its runs.
struct Flaky {
    runs: Arc<AtomicUsize>,
    fail_first: usize,
    permanent: bool,
}

#[async_trait::async_trait]
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "flaky"
    }

    async fn run(&self, _ctx: &JobContext) -> Result<(), JobError> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        match (n < self.fail_first, self.permanent) {
            (false, _) => Ok(()),
            (true, false) => Err(JobError::Retry("SMTP server down".into())),
            (true, true) => Err(JobError::Permanent("payload names no document".into())),
        }
    }
}

#[tokio::test]
async fn failing_jobs_retry_with_backoff_then_go_dead_and_can_be_retried_by_hand() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = Registry::default().with(Flaky { runs: runs.clone(), fail_first: 3, permanent: false });
    let id = queue::enqueue(&conn, NewJob::new("flaky", serde_json::json!({}), 3)).await.unwrap().unwrap();
    let settings = JobSettings { backoff_base_secs: 0, ..fast_settings(1) };
    let pool = spawn_workers(conn.clone(), registry, settings, "node-f");
    eventually(Duration::from_secs(30), "job dead after 3 attempts", || async {
        job(&conn, id).await.state == "dead"
    })
    .await;
    let dead = job(&conn, id).await;
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("SMTP server down"));
    assert_eq!(runs.load(Ordering::SeqCst), 3);

    assert!(queue::retry_dead(&conn, id).await.unwrap());
    eventually(Duration::from_secs(30), "retried job done", || async {
        job(&conn, id).await.state == "done"
    })
    .await;
    assert_eq!(runs.load(Ordering::SeqCst), 4);
    assert!(!queue::retry_dead(&conn, id).await.unwrap(), "only dead jobs can be retried");
    pool.shutdown().await;
}

#[tokio::test]
async fn a_permanent_failure_goes_dead_at_once() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = Registry::default().with(Flaky { runs: runs.clone(), fail_first: 99, permanent: true });
    let id = queue::enqueue(&conn, NewJob::new("flaky", serde_json::json!({}), 5)).await.unwrap().unwrap();
    let pool = spawn_workers(conn.clone(), registry, fast_settings(1), "node-p");
    eventually(Duration::from_secs(30), "job dead", || async { job(&conn, id).await.state == "dead" }).await;
    pool.shutdown().await;
    assert_eq!((job(&conn, id).await.attempts, runs.load(Ordering::SeqCst)), (1, 1));
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let txn = conn.begin().await.unwrap();
    queue::enqueue(&txn, NewJob::new(probe::KIND, Probe { tag: "rb".into(), work_ms: 0 }, 5)).await.unwrap();
    txn.rollback().await.unwrap();
    assert!(job::Entity::find().all(&conn).await.unwrap().is_empty());

    let first = NewJob::new(probe::KIND, Probe { tag: "d".into(), work_ms: 0 }, 5).dedupe("probe:d");
    assert!(queue::enqueue(&conn, first.clone()).await.unwrap().is_some());
    assert!(queue::enqueue(&conn, first).await.unwrap().is_none(), "a live job with that key exists");
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_cannot_complete_the_job() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    let id = enqueue_probe(&conn, "fenced", 0).await;
    let stale = queue::claim(&conn, "stale", &[probe::KIND], 0).await.unwrap().unwrap();
    // Lease of 0 ms has lapsed: another worker takes the job over.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fresh = queue::claim(&conn, "fresh", &[probe::KIND], 60_000).await.unwrap().unwrap();
    assert_eq!((fresh.id, fresh.attempt), (id, 2));
    assert!(matches!(queue::complete(&conn, &stale).await, Err(queue::QueueError::LeaseLost(_))));
    assert!(matches!(queue::heartbeat(&conn, &stale, 1000).await, Err(queue::QueueError::LeaseLost(_))));
    queue::complete(&conn, &fresh).await.unwrap();
    assert_eq!(job(&conn, id).await.state, "done");
}

#[tokio::test]
async fn every_pooled_connection_of_an_opened_database_sees_the_migrated_schema() {
    // Regression: on SQLite, connections that read the schema before the migration ran kept a
    // stale copy, and the queue's upsert then failed on the missing unique index.
    let db = TestDb::new().await;
    let conn = sealdesk::db::open(&db.settings()).await.unwrap();
    // Each held transaction pins one pooled connection, so each upsert runs on another one.
    let mut held = Vec::new();
    for i in 0..6 {
        let job =
            NewJob::new(probe::KIND, Probe { tag: format!("c{i}"), work_ms: 0 }, 5).dedupe(format!("k{i}"));
        assert!(queue::enqueue(&conn, job).await.unwrap().is_some());
        held.push(conn.begin().await.unwrap());
    }
    for txn in held {
        txn.rollback().await.unwrap();
    }
}
