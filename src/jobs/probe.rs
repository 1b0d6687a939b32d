//! The `probe` job: proves end to end that some worker is claiming and finishing jobs
//! (`sealdesk jobs probe`). It waits a while, then records an audit event in the same
//! transaction that completes it, so a probe is recorded exactly once however often it ran.

use std::time::Duration;

use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};

use super::{JobContext, JobError, JobHandler};
use crate::db::begin_write;
use crate::entities::audit_event;

pub const KIND: &str = "probe";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    /// Shown in the audit event, to find this probe again.
    pub tag: String,
    /// How long the job works before finishing.
    #[serde(default)]
    pub work_ms: u64,
}

pub struct ProbeHandler;

#[async_trait::async_trait]
impl JobHandler for ProbeHandler {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let probe: Probe = ctx.payload()?;
        tokio::time::sleep(Duration::from_millis(probe.work_ms.min(600_000))).await;
        let txn = begin_write(&ctx.db).await?;
        audit_event::ActiveModel {
            at: Set(chrono::Utc::now()),
            actor_type: Set("system".into()),
            action: Set("job.probe".into()),
            detail: Set(serde_json::json!({
                "tag": probe.tag,
                "job_id": ctx.job.id,
                "attempt": ctx.job.attempt,
                "worker": ctx.job.worker,
            })),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ctx.finish_in(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
