//! Stores an uploaded scan. The blob is written (and made durable) first; only then are the
//! document row and its audit event written, in one transaction. A crash or a broken upload
//! before the commit leaves at most an unreferenced blob, never a row pointing at a partial file.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::audit::{self, Actor};
use crate::db::begin_write;
use crate::domain::DocumentKind;
use crate::entities::{application, document};
use crate::jobs::check_document::{self, CheckDocument};
use crate::jobs::{NewJob, queue};
use crate::storage::{BlobStore, ByteStream, StorageError, StoredBlob, leases};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("application {0} not found")]
    ApplicationNotFound(i32),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("upload refused: {0}")]
    Refused(#[from] super::upload::Refusal),
    #[error("stored application holds an unknown value: {0}")]
    Corrupt(#[from] crate::domain::UnknownValue),
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl IntakeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ApplicationNotFound(_) => "application.not_found",
            Self::Storage(e) => e.code(),
            Self::Refused(r) => r.code(),
            Self::Corrupt(_) | Self::Internal(_) | Self::Db(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::ApplicationNotFound(_) => "申请不存在".into(),
            Self::Storage(e) => e.message_zh(),
            Self::Refused(r) => r.message_zh(),
            Self::Corrupt(_) | Self::Internal(_) | Self::Db(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

pub struct NewUpload<'a> {
    pub application_id: i32,
    pub kind: DocumentKind,
    pub original_name: &'a str,
    pub media_type: &'a str,
    pub limit_bytes: u64,
    /// Attempts the check job gets (`jobs.max_attempts`).
    pub max_attempts: i32,
}

/// Streams `body` into `blobs` and records it as the next attempt of that document, with the
/// job that checks it queued in the same transaction. No inspection: the applicant pages go
/// through [`super::upload::receive`], which looks at the image first.
pub async fn store_document(
    db: &sea_orm::DatabaseConnection,
    blobs: &dyn BlobStore,
    upload: NewUpload<'_>,
    body: ByteStream<'_>,
) -> Result<document::Model, IntakeError> {
    let exists = application::Entity::find_by_id(upload.application_id).one(db).await?.is_some();
    if !exists {
        return Err(IntakeError::ApplicationNotFound(upload.application_id));
    }
    let blob = blobs.put(body, upload.limit_bytes).await?;
    leases::touch(db, &blob.key).await?;
    let txn = begin_write(db).await?;
    leases::hold(&txn, blobs, &blob.key).await?;
    let doc = record(&txn, &upload, &blob, None).await?;
    txn.commit().await?;
    Ok(doc)
}

/// Deletes a few orphaned blobs after an upload: every node sweeps as it works, so no timer is
/// needed. A failure here is logged, never the upload's.
pub async fn sweep_orphans(
    db: &sea_orm::DatabaseConnection,
    blobs: &dyn BlobStore,
    settings: &crate::config::Settings,
) {
    let grace = std::time::Duration::from_secs(settings.storage.orphan_grace_mins * 60);
    match leases::sweep(db, blobs, grace, 20).await {
        Ok(s) if s.deleted > 0 => tracing::info!(deleted = s.deleted, "orphaned blobs deleted"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "orphaned blob sweep failed"),
    }
}

/// What the intake inspection learnt of an upload before it was recorded.
pub struct Facts {
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub dhash: u64,
}

/// Writes the document row (the next attempt of its kind), its check job and the audit event
/// inside the caller's transaction.
pub async fn record(
    txn: &impl sea_orm::ConnectionTrait,
    upload: &NewUpload<'_>,
    blob: &StoredBlob,
    facts: Option<&Facts>,
) -> Result<document::Model, IntakeError> {
    let last: Option<i32> = document::Entity::find()
        .select_only()
        .expr(Expr::col(document::Column::Attempt).max())
        .filter(document::Column::ApplicationId.eq(upload.application_id))
        .filter(document::Column::Kind.eq(upload.kind.as_str()))
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    let doc = document::ActiveModel {
        application_id: Set(upload.application_id),
        kind: Set(upload.kind.as_str().into()),
        attempt: Set(last.unwrap_or(0) + 1),
        blob_key: Set(blob.key.as_str().into()),
        sha256: Set(blob.key.as_str().into()),
        media_type: Set(facts.map_or(upload.media_type, |f| f.media_type).into()),
        bytes: Set(blob.bytes as i64),
        width_px: Set(facts.map(|f| f.width as i32)),
        height_px: Set(facts.map(|f| f.height as i32)),
        original_name: Set(upload.original_name.chars().take(200).collect()),
        status: Set("pending".into()),
        uploaded_at: Set(chrono::Utc::now()),
        phash: Set(facts.map(|f| f.dhash as i64)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let check = NewJob::new(check_document::KIND, CheckDocument { document_id: doc.id }, upload.max_attempts)
        .dedupe(format!("check_document:{}", doc.id));
    queue::enqueue(txn, check).await?;
    audit::record(
        txn,
        audit::Entry {
            actor: Actor::Applicant,
            action: "document.uploaded",
            application_id: Some(upload.application_id),
            document_id: Some(doc.id),
            detail: serde_json::json!({ "kind": doc.kind, "attempt": doc.attempt, "bytes": doc.bytes }),
        },
    )
    .await?;
    Ok(doc)
}
