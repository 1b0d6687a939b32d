//! Job runners: each loops claim → run → finish. While a job runs, a heartbeat extends its
//! lease; if the process dies the lease lapses and another runner (on any node) takes the job.
//! On shutdown a running job gets a grace period, then is released back to the queue.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{Instrument, info, info_span, warn};

use super::queue::{self, ClaimedJob};
use super::{JobContext, JobError, Registry};
use crate::config::JobSettings;

/// Runners of one process. Dropping it does not stop them; call [`WorkerPool::shutdown`].
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Asks every runner to stop and waits: running jobs finish within the grace period or are
    /// released.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
    }

    /// Stops the runners at once, as a killed process would: nothing is released, leases lapse.
    pub fn abort(self) {
        for h in self.handles {
            h.abort();
        }
    }
}

/// Aborts a spawned task when dropped, so aborting a runner also ends its job and heartbeat.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn_workers(
    db: DatabaseConnection,
    registry: Registry,
    settings: JobSettings,
    node: &str,
) -> WorkerPool {
    let (stop, stop_rx) = watch::channel(false);
    let registry = Arc::new(registry);
    let handles = (0..settings.workers)
        .map(|n| {
            let runner = Runner {
                db: db.clone(),
                registry: registry.clone(),
                settings: settings.clone(),
                id: format!("{node}-{n}"),
                stop: stop_rx.clone(),
            };
            tokio::spawn(runner.run())
        })
        .collect();
    WorkerPool { stop, handles }
}

struct Runner {
    db: DatabaseConnection,
    registry: Arc<Registry>,
    settings: JobSettings,
    id: String,
    stop: watch::Receiver<bool>,
}

impl Runner {
    fn lease_ms(&self) -> i64 {
        (self.settings.lease_secs * 1000) as i64
    }

    async fn run(mut self) {
        let kinds = self.registry.kinds();
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        while !*self.stop.borrow() {
            match queue::claim(&self.db, &self.id, &kinds, self.lease_ms()).await {
                Ok(Some(job)) => {
                    let span = info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempt);
                    self.execute(job).instrument(span).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => warn!(runner = %self.id, error = %e, "claiming a job failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = self.stop.changed() => {}
            }
        }
    }

    async fn execute(&mut self, job: ClaimedJob) {
        // A job whose earlier runners all died mid-run has had its attempts: stop here.
        let Some(handler) = self.registry.get(&job.kind) else {
            return;
        };
        if job.attempt > job.max_attempts {
            let error = "worker lost on every attempt";
            if queue::fail(&self.db, &job, error, 0, true).await.is_ok() {
                handler.on_dead(&self.db, &job, error).await;
            }
            warn!("job dead: its worker was lost on every attempt");
            return;
        }
        let ctx = Arc::new(JobContext::new(job.clone(), self.db.clone()));
        let started = std::time::Instant::now();

        let task_ctx = ctx.clone();
        let task_handler = handler.clone();
        let mut task = AbortOnDrop(tokio::spawn(
            async move { task_handler.run(&task_ctx).await }.instrument(tracing::Span::current()),
        ));
        let heartbeat =
            AbortOnDrop(tokio::spawn(heartbeat(self.db.clone(), job.clone(), self.settings.clone())));

        let outcome = tokio::select! {
            res = &mut task.0 => Some(res),
            _ = stopped_after_grace(self.stop.clone(), self.settings.shutdown_grace_secs) => None,
        };
        drop(heartbeat);
        let elapsed_ms = started.elapsed().as_millis();

        let result = match outcome {
            None => {
                drop(task);
                match queue::release(&self.db, &job).await {
                    Ok(()) => info!(elapsed_ms, "job released at shutdown"),
                    Err(e) => warn!(error = %e, "releasing a job at shutdown failed"),
                }
                return;
            }
            Some(Ok(res)) => res,
            Some(Err(join)) => Err(JobError::Retry(format!("handler panicked: {join}"))),
        };
        match result {
            Ok(()) if ctx.is_finished() => info!(elapsed_ms, "job done"),
            Ok(()) => match queue::complete(&self.db, &job).await {
                Ok(()) => info!(elapsed_ms, "job done"),
                Err(e) => warn!(error = %e, "completing a job failed"),
            },
            Err(JobError::LeaseLost) => warn!("lease lost: another worker took the job over"),
            Err(JobError::Defer(delay)) => match queue::defer(&self.db, &job, delay).await {
                Ok(()) => info!(retry_in_ms = delay, "job deferred"),
                Err(e) => warn!(error = %e, "deferring a job failed"),
            },
            Err(e) => {
                let permanent = matches!(e, JobError::Permanent(_));
                let delay = queue::backoff_ms(
                    job.attempt,
                    self.settings.backoff_base_secs,
                    self.settings.backoff_max_secs,
                );
                match queue::fail(&self.db, &job, &e.to_string(), delay, permanent).await {
                    Ok(true) => {
                        warn!(error = %e, "job dead");
                        handler.on_dead(&self.db, &job, &e.to_string()).await;
                    }
                    Ok(false) => warn!(error = %e, retry_in_ms = delay, "job failed, will retry"),
                    Err(qe) => {
                        warn!(error = %e, queue_error = %qe, "recording a job failure failed")
                    }
                }
            }
        }
    }
}

/// Extends the lease every `heartbeat_secs` until the job ends or the lease is lost.
async fn heartbeat(db: DatabaseConnection, job: ClaimedJob, settings: JobSettings) {
    let lease_ms = (settings.lease_secs * 1000) as i64;
    let mut tick = tokio::time::interval(Duration::from_secs(settings.heartbeat_secs));
    tick.tick().await;
    loop {
        tick.tick().await;
        match queue::heartbeat(&db, &job, lease_ms).await {
            Ok(()) => {}
            Err(queue::QueueError::LeaseLost(_)) => {
                warn!(job = job.id, "heartbeat: lease lost");
                return;
            }
            Err(e) => warn!(job = job.id, error = %e, "heartbeat failed; will try again"),
        }
    }
}

/// Resolves `grace_secs` after a stop was requested; never if none is.
async fn stopped_after_grace(mut stop: watch::Receiver<bool>, grace_secs: u64) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    tokio::time::sleep(Duration::from_secs(grace_secs)).await;
}
