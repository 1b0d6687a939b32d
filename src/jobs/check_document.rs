//! The `check_document` job: runs the image pipeline on a stored upload, reading its numbers
//! against what the applicant typed, and records the report. The pipeline is CPU-bound, so the
//! whole page runs on an OCR pool thread (one engine each, at most the pool's size at once per
//! process, with a timeout); the report is written in the same transaction that completes the
//! job, so a report exists exactly once per document.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use super::{JobContext, JobError, JobHandler};
use crate::audit::{self, Actor};
use crate::config::ReviewSettings;
use crate::db::begin_write;
use crate::domain::DocumentKind;
use crate::entities::{application, check_report, document};
use crate::ocr::OcrError;
use crate::ocr::pool::OcrPool;
use crate::pipeline::number::Expected;
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
    pub ocr: Arc<OcrPool>,
    pub page_timeout: Duration,
    pub review: ReviewSettings,
    /// The process's decode budget, shared with intake and the viewer.
    pub memory: crate::memory::MemoryBudget,
}

/// What the applicant typed that a document of `kind` should show: its numbers, and the
/// company name (on the licence, and on every company seal).
pub fn expected(kind: DocumentKind, app: &application::Model) -> Expected {
    let v = |s: &str| Some(s.to_string());
    let company_name = v(&app.company_name);
    match kind {
        DocumentKind::LegalRepIdCard => {
            Expected { id_number: v(&app.legal_rep_id_number), company_name, ..Default::default() }
        }
        DocumentKind::OperatorIdCard => {
            Expected { id_number: v(&app.operator_id_number), company_name, ..Default::default() }
        }
        DocumentKind::BusinessLicense => {
            Expected { uscc: v(&app.company_uscc), company_name, ..Default::default() }
        }
        DocumentKind::ApplicationForm => Expected {
            uscc: v(&app.company_uscc),
            legal_rep_id: v(&app.legal_rep_id_number),
            operator_id: v(&app.operator_id_number),
            company_name,
            ..Default::default()
        },
        DocumentKind::SealSample | DocumentKind::ChangeStatement => {
            Expected { company_name, ..Default::default() }
        }
    }
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

        let app =
            application::Entity::find_by_id(doc.application_id).one(&ctx.db).await?.ok_or_else(|| {
                JobError::Permanent(format!("application {} does not exist", doc.application_id))
            })?;
        let expected = expected(kind, &app);
        let typed = expected.clone();
        // Thresholds an admin changed apply from the next page on, on every node.
        let config = match crate::thresholds::effective(&ctx.db, &self.config).await {
            Ok(c) => Arc::new(c),
            Err(crate::thresholds::ThresholdError::Db(e)) => return Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "stored threshold overrides no longer fit the configuration; using the configured values");
                self.config.clone()
            }
        };
        // The page's share of the process's memory, reserved before a pixel is decoded.
        let cost = crate::memory::MemoryBudget::cost(&bytes, &config, crate::memory::CHECKS_BYTES_PER_PIXEL);
        let _memory =
            self.memory.reserve(cost).await.map_err(|e| JobError::Retry(format!("memory budget: {e}")))?;
        let report = self
            .ocr
            .run(self.page_timeout, move |reader| {
                let ocr = pipeline::Ocr { expected: &expected, reader };
                pipeline::run_with(&bytes, kind.into(), Some(ocr), &config)
            })
            .await
            .and_then(|r| r)
            .map_err(|e: OcrError| JobError::Retry(format!("{}: {e}", e.code())))?;

        let verdict = serde_json::to_value(report.verdict).unwrap_or_default();
        let txn = begin_write(&ctx.db).await?;
        // The applicant may have corrected what was typed while the page was being checked
        // (`intake::edit`, whose re-check this running job absorbs): a report against the old
        // values must not stand, so the job runs again with the new ones.
        let now_typed = application::Entity::find_by_id(doc.application_id)
            .one(&txn)
            .await?
            .map(|a| self::expected(kind, &a));
        if now_typed.is_some_and(|t| t != typed) {
            return Err(JobError::Retry("the typed values changed during the check".into()));
        }
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
                application_id: Some(app.id),
                document_id: Some(document_id),
                detail: serde_json::json!({ "verdict": verdict, "elapsed_ms": report.elapsed_ms }),
            },
        )
        .await?;
        crate::review::checks_done::after_document_checked(&txn, app.id, &self.review)
            .await
            .map_err(|e| JobError::Retry(format!("{}: {e}", e.code())))?;
        ctx.finish_in(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
