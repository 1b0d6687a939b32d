//! Durable background jobs: a queue in the database (`queue`), runners that claim and execute
//! them with leases and heartbeats (`worker`), and the handlers, one per job kind.

pub mod check_document;
pub mod probe;
pub mod queue;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection};

pub use queue::{ClaimedJob, NewJob, QueueError};
pub use worker::{WorkerPool, spawn_workers};

/// How a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt later (a server down, a lock timeout).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (a malformed payload): the job goes dead at once.
    #[error("{0}")]
    Permanent(String),
    #[error("lease lost")]
    LeaseLost,
    /// Not now, and not a failure: back on the queue after this many milliseconds, the attempt
    /// not counted (a rate limit).
    #[error("deferred for {0} ms")]
    Defer(i64),
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Retry(format!("database: {e}"))
    }
}

impl From<QueueError> for JobError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::LeaseLost(_) => Self::LeaseLost,
            QueueError::Db(e) => e.into(),
        }
    }
}

/// What a handler gets: the job and a way to finish it inside its own transaction.
pub struct JobContext {
    pub job: ClaimedJob,
    pub db: DatabaseConnection,
    finished: AtomicBool,
}

impl JobContext {
    pub(crate) fn new(job: ClaimedJob, db: DatabaseConnection) -> Self {
        Self { job, db, finished: AtomicBool::new(false) }
    }

    /// Marks the job done within `txn`, the transaction holding the job's effects. Fails with
    /// `LeaseLost` when another worker has taken the job over: roll back, and the effects of
    /// this run never land, so they land exactly once.
    pub async fn finish_in(&self, txn: &impl ConnectionTrait) -> Result<(), JobError> {
        queue::complete(txn, &self.job).await?;
        self.finished.store(true, Ordering::SeqCst);
        Ok(())
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }

    /// Deserialises the payload; a payload that does not fit is a permanent failure.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad payload for {}: {e}", self.job.kind)))
    }
}

#[async_trait::async_trait]
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;

    /// Runs the job. Handlers whose effects are database writes call
    /// [`JobContext::finish_in`] in the same transaction; otherwise the runner completes the
    /// job after `Ok(())`.
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError>;

    /// Called once the job is dead, with the last error, for handlers that keep a state of
    /// their own beside the job (a dead-lettered message).
    async fn on_dead(&self, _db: &DatabaseConnection, _job: &ClaimedJob, _error: &str) {}
}

/// The handlers a runner knows. A runner claims only kinds it has a handler for, so a node
/// running an older build leaves newer kinds to the nodes that know them.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl Registry {
    /// The handlers every `sealdesk serve` runs.
    pub fn standard(
        blobs: Arc<dyn crate::storage::BlobStore>,
        ocr: Arc<crate::ocr::pool::OcrPool>,
        transports: crate::notify::Transports,
        settings: &crate::config::Settings,
        memory: crate::memory::MemoryBudget,
    ) -> Self {
        Self::default()
            .with(probe::ProbeHandler)
            .with(check_document::CheckDocumentHandler {
                blobs,
                config: Arc::new(settings.checks.clone()),
                ocr,
                page_timeout: std::time::Duration::from_secs(settings.ocr.page_timeout_secs),
                review: settings.review.clone(),
                memory,
            })
            .with(crate::notify::deliver::DeliverHandler {
                settings: Arc::new(settings.notify.clone()),
                transports,
            })
    }

    pub fn with(mut self, handler: impl JobHandler + 'static) -> Self {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.handlers.keys().copied().collect();
        k.sort_unstable();
        k
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(kind).cloned()
    }
}
