//! An applicant's upload, from the first byte to the checked document: may this document be
//! uploaded now (a draft takes any required document, a returned application only those sent
//! back), is it an image the checks can read, is it not the very scan that was sent back. Only
//! then is it recorded, so a refused upload leaves no row; its blob, unless a document holds the
//! same bytes, is deleted by the lease sweep after `storage.orphan_grace_mins`
//! (`storage::leases`).

use std::sync::Arc;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::Semaphore;

use super::documents::{Facts, IntakeError, NewUpload, record};
use super::inspect::{self, Inspected};
use crate::config::Settings;
use crate::db::begin_write;
use crate::domain::{DocumentKind, OperationType};
use crate::entities::{application, document};
use crate::pipeline::decode::DecodeError;
use crate::review::ApplicationState;
use crate::storage::{BlobKey, BlobStore, ByteStream, StoredBlob, leases};

/// Why an upload was not taken. Stable codes, Chinese messages for the applicant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("application in state {0} takes no uploads")]
    NotAccepting(ApplicationState),
    #[error("{0} is not a document this application needs")]
    NotRequired(DocumentKind),
    #[error("{0} was not sent back")]
    NotReturned(DocumentKind),
    #[error("not a usable image: {0}")]
    Unusable(DecodeError),
    #[error("the same scan as the one sent back")]
    SameAsRejected,
    #[error("{0} has had {1} uploads, the most allowed")]
    TooManyAttempts(DocumentKind, u32),
    #[error("the application has had {0} uploads, the most allowed")]
    TooManyUploads(u32),
    #[error("more than {0} uploads a minute from one address")]
    RateLimited(u32),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAccepting(_) => "upload.not_accepting",
            Self::NotRequired(_) => "upload.not_required",
            Self::NotReturned(_) => "upload.not_returned",
            Self::Unusable(e) => e.code(),
            Self::SameAsRejected => "upload.same_as_rejected",
            Self::TooManyAttempts(..) => "upload.too_many_attempts",
            Self::TooManyUploads(_) => "upload.too_many_uploads",
            Self::RateLimited(_) => "upload.rate_limited",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAccepting(s) => format!("申请当前状态为“{}”，不能上传或更换材料", s.label_zh()),
            Self::NotRequired(k) => format!("本次办理不需要“{}”", k.label_zh()),
            Self::NotReturned(k) => format!("“{}”已通过审核，无需重新上传；只需重新上传被退回的材料", k.label_zh()),
            Self::Unusable(e) => e.message_zh(),
            Self::SameAsRejected => "这张图片与被退回的扫描件相同。请按退回原因修改材料（如重新盖章、重新扫描或拍摄清晰的照片）后再上传".into(),
            Self::TooManyAttempts(k, n) => {
                format!("“{}”已上传{n}次，达到上限，不能再上传。如需更换，请联系数字证书客服", k.label_zh())
            }
            Self::TooManyUploads(n) => {
                format!("本申请已上传{n}份文件，达到上限，不能再上传。如需更换材料，请联系数字证书客服")
            }
            Self::RateLimited(n) => format!("上传过于频繁（每分钟最多{n}次），请稍等一分钟后再上传"),
        }
    }
}

/// The documents of `app` an applicant may upload now, in the order they are asked for.
pub fn uploadable(
    app: &application::Model,
    docs: &[document::Model],
) -> Result<Vec<DocumentKind>, IntakeError> {
    let state: ApplicationState = app.state.parse()?;
    let op: OperationType = app.operation_type.parse()?;
    Ok(match state {
        ApplicationState::Draft => op.required_documents().to_vec(),
        ApplicationState::Returned => {
            op.required_documents().iter().copied().filter(|k| sent_back(docs, *k).is_some()).collect()
        }
        _ => Vec::new(),
    })
}

/// The newest decided attempt of `kind`, if the reviewer sent it back.
pub fn sent_back(docs: &[document::Model], kind: DocumentKind) -> Option<&document::Model> {
    docs.iter()
        .filter(|d| d.kind == kind.as_str() && d.status != "pending")
        .max_by_key(|d| d.attempt)
        .filter(|d| d.status == "resubmit")
}

fn check_policy(
    app: &application::Model,
    docs: &[document::Model],
    kind: DocumentKind,
    limits: &super::IntakeSettings,
) -> Result<(), IntakeError> {
    if uploadable(app, docs)?.contains(&kind) {
        let of_kind = docs.iter().filter(|d| d.kind == kind.as_str()).count() as u32;
        if of_kind >= limits.max_attempts_per_document {
            return Err(Refusal::TooManyAttempts(kind, limits.max_attempts_per_document).into());
        }
        if docs.len() as u32 >= limits.max_uploads_per_application {
            return Err(Refusal::TooManyUploads(limits.max_uploads_per_application).into());
        }
        return Ok(());
    }
    // `uploadable` has parsed both already; a stored value it could not read is an error there.
    let state: ApplicationState = app.state.parse()?;
    let op: OperationType = app.operation_type.parse()?;
    Err(match state {
        ApplicationState::Draft => Refusal::NotRequired(kind),
        ApplicationState::Returned if op.required_documents().contains(&kind) => Refusal::NotReturned(kind),
        ApplicationState::Returned => Refusal::NotRequired(kind),
        s => Refusal::NotAccepting(s),
    }
    .into())
}

async fn documents_of(
    db: &impl sea_orm::ConnectionTrait,
    app_id: i32,
) -> Result<Vec<document::Model>, IntakeError> {
    Ok(document::Entity::find().filter(document::Column::ApplicationId.eq(app_id)).all(db).await?)
}

/// Where an upload goes and what bounds it.
pub struct Receiver<'a> {
    pub db: &'a DatabaseConnection,
    pub blobs: &'a dyn BlobStore,
    pub settings: &'a Settings,
    /// Bounds the decodes running at once (`intake.inspect_concurrency`).
    pub permits: &'a Arc<Semaphore>,
    /// The process's decode memory budget.
    pub memory: &'a crate::memory::MemoryBudget,
}

impl Receiver<'_> {
    /// Streams `body` to the blob store, inspects it and records it; see the module comment.
    /// Taken or refused, a few orphaned blobs are swept afterwards.
    pub async fn receive(
        &self,
        application_id: i32,
        kind: DocumentKind,
        original_name: &str,
        body: ByteStream<'_>,
    ) -> Result<document::Model, IntakeError> {
        let result = self.take(application_id, kind, original_name, body).await;
        super::documents::sweep_orphans(self.db, self.blobs, self.settings).await;
        result
    }

    async fn take(
        &self,
        application_id: i32,
        kind: DocumentKind,
        original_name: &str,
        body: ByteStream<'_>,
    ) -> Result<document::Model, IntakeError> {
        let app = application::Entity::find_by_id(application_id)
            .one(self.db)
            .await?
            .ok_or(IntakeError::ApplicationNotFound(application_id))?;
        check_policy(&app, &documents_of(self.db, application_id).await?, kind, &self.settings.intake)?;

        let blob = self.blobs.put(body, self.settings.checks.max_upload_bytes).await?;
        // A refused upload's blob is left to the lease sweep, never deleted here: a concurrent
        // upload of the same bytes may be about to reference it.
        leases::touch(self.db, &blob.key).await?;
        let inspected = match self.inspect(&blob.key).await? {
            Ok(i) => i,
            Err(e) => return Err(Refusal::Unusable(e).into()),
        };
        let docs = documents_of(self.db, application_id).await?;
        if let Some(rejected) = sent_back(&docs, kind)
            && self.same_scan(rejected, &blob, &inspected).await?
        {
            return Err(Refusal::SameAsRejected.into());
        }

        let upload = NewUpload {
            application_id,
            kind,
            original_name,
            media_type: inspected.media_type,
            limit_bytes: self.settings.checks.max_upload_bytes,
            max_attempts: self.settings.jobs.max_attempts,
        };
        let facts = Facts {
            media_type: inspected.media_type,
            width: inspected.width,
            height: inspected.height,
            dhash: inspected.dhash,
        };
        let txn = begin_write(self.db).await?;
        // The application may have been submitted while the bytes were arriving.
        let app = application::Entity::find_by_id(application_id)
            .one(&txn)
            .await?
            .ok_or(IntakeError::ApplicationNotFound(application_id))?;
        check_policy(&app, &documents_of(&txn, application_id).await?, kind, &self.settings.intake)?;
        leases::hold(&txn, self.blobs, &blob.key).await?;
        let doc = record(&txn, &upload, &blob, Some(&facts)).await?;
        txn.commit().await?;
        Ok(doc)
    }

    async fn inspect(&self, key: &BlobKey) -> Result<Result<Inspected, DecodeError>, IntakeError> {
        let _permit = self.permits.acquire().await.map_err(|e| IntakeError::Internal(e.to_string()))?;
        let bytes = self.blobs.get(key).await?;
        let cfg = self.settings.checks.clone();
        let cost = crate::memory::MemoryBudget::cost(&bytes, &cfg, 1);
        let _memory = self.memory.reserve(cost).await.map_err(|e| IntakeError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || inspect::inspect(&bytes, &cfg))
            .await
            .map_err(|e| IntakeError::Internal(format!("inspection task: {e}")))
    }

    async fn same_scan(
        &self,
        rejected: &document::Model,
        blob: &StoredBlob,
        new: &Inspected,
    ) -> Result<bool, IntakeError> {
        if rejected.blob_key == blob.key.as_str() {
            return Ok(true);
        }
        let max_bits = self.settings.intake.same_scan_max_hash_bits;
        if rejected.phash.is_some_and(|h| inspect::hamming(h as u64, new.dhash) > max_bits) {
            return Ok(false);
        }
        let key = BlobKey::parse(&rejected.blob_key)?;
        Ok(match self.inspect(&key).await? {
            Ok(old) => {
                inspect::near_identical(&old.signature, &new.signature, &self.settings.intake.tolerance())
            }
            Err(_) => false,
        })
    }
}
