//! The `check_document` job: runs the image pipeline on a stored upload and records the report.
//! The pipeline is CPU-bound, so it runs on the blocking pool behind a semaphore (at most
//! `permits` pages at once per process); the report is written in the same transaction that
//! completes the job, so a report exists exactly once per document.

use std::sync::Arc;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::{JobContext, JobError, JobHandler};
use crate::audit::{self, Actor};
use crate::db::begin_write;
use crate::domain::DocumentKind;
use crate::entities::{check_report, document};
use crate::pipeline::{self, PipelineConfig};
use crate::storage::{BlobKey, BlobStore, StorageError};

pub const KIND: &str = "check_document";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckDocument {
    pub document_id: i32,
}

pub struct CheckDocumentHandler {
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<PipelineConfig>,
    pub permits: Arc<Semaphore>,
}

#[async_trait::async_trait]
impl JobHandler for CheckDocumentHandler {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let CheckDocument { document_id } = ctx.payload()?;
        let doc = document::Entity::find_by_id(document_id)
            .one(&ctx.db)
            .await?
            .ok_or_else(|| JobError::Permanent(format!("document {document_id} does not exist")))?;
        let kind: DocumentKind =
            doc.kind.parse().map_err(|e| JobError::Permanent(format!("document {document_id}: {e}")))?;
        let key = BlobKey::parse(&doc.blob_key).map_err(|e| JobError::Permanent(e.to_string()))?;
        let bytes = match self.blobs.get(&key).await {
            Ok(b) => b,
            Err(StorageError::NotFound(k)) => {
                return Err(JobError::Permanent(format!("blob {k} is missing")));
            }
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };

        let _permit = self.permits.acquire().await.map_err(|e| JobError::Retry(e.to_string()))?;
        let config = self.config.clone();
        let report = tokio::task::spawn_blocking(move || pipeline::run(&bytes, kind.into(), &config))
            .await
            .map_err(|e| JobError::Retry(format!("pipeline task failed: {e}")))?;
        drop(_permit);

        let verdict = serde_json::to_value(report.verdict).unwrap_or_default();
        let txn = begin_write(&ctx.db).await?;
        let row = check_report::ActiveModel {
            document_id: Set(document_id),
            verdict: Set(verdict.as_str().unwrap_or("fail").to_string()),
            report: Set(serde_json::to_value(&report).unwrap_or_default()),
            pipeline_version: Set(pipeline::VERSION.into()),
            elapsed_ms: Set(report.elapsed_ms),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        check_report::Entity::insert(row)
            .on_conflict(
                OnConflict::column(check_report::Column::DocumentId)
                    .update_columns([
                        check_report::Column::Verdict,
                        check_report::Column::Report,
                        check_report::Column::PipelineVersion,
                        check_report::Column::ElapsedMs,
                        check_report::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
        if let (Some(w), Some(h)) = (report.checks.format.value.width, report.checks.format.value.height) {
            let mut am: document::ActiveModel = doc.into();
            am.width_px = Set(Some(w as i32));
            am.height_px = Set(Some(h as i32));
            am.update(&txn).await?;
        }
        audit::record(
            &txn,
            audit::Entry {
                actor: Actor::System,
                action: "document.checked",
                application_id: None,
                document_id: Some(document_id),
                detail: serde_json::json!({ "verdict": verdict, "elapsed_ms": report.elapsed_ms }),
            },
        )
        .await?;
        ctx.finish_in(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
