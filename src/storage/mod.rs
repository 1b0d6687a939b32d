//! Blob storage behind a trait. Blobs are content-addressed (sha256), so a key never points at
//! different bytes, and a put returns only once the bytes are durable: callers write the blob
//! first and the database row after, so a row never points at a missing or partial blob.

pub mod leases;
mod local;

use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

pub use local::LocalBlobStore;

/// A stream of upload chunks; an `Err` item aborts the put.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + 'a>>;

/// Hex sha256 of a blob's bytes: its address in any store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Only 64 lowercase hex digits: a key can never be a path.
    pub fn parse(s: &str) -> Result<Self, StorageError> {
        let ok = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok { Ok(Self(s.to_string())) } else { Err(StorageError::BadKey(s.chars().take(80).collect())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub key: BlobKey,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("upload larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("upload is empty")]
    Empty,
    #[error("upload interrupted: {0}")]
    Interrupted(std::io::Error),
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("invalid blob key {0:?}")]
    BadKey(String),
    #[error("storage I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl StorageError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "upload.too_large",
            Self::Empty => "upload.empty",
            Self::Interrupted(_) => "upload.interrupted",
            Self::NotFound(_) => "storage.not_found",
            Self::BadKey(_) => "storage.bad_key",
            Self::Io(_) => "storage.io",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::TooLarge { limit } => {
                format!("文件过大，请上传不超过{}MB的图片", limit / 1_048_576)
            }
            Self::Empty => "文件为空，请重新选择图片上传".into(),
            Self::Interrupted(_) => "上传中断，请重新上传".into(),
            _ => "存储服务暂时不可用，请稍后重试".into(),
        }
    }
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Streams `body` into the store, refusing more than `limit_bytes` and empty bodies.
    /// Returns once the blob is durable; on any error nothing is left behind.
    async fn put(&self, body: ByteStream<'_>, limit_bytes: u64) -> Result<StoredBlob, StorageError>;

    async fn get(&self, key: &BlobKey) -> Result<Bytes, StorageError>;

    async fn exists(&self, key: &BlobKey) -> Result<bool, StorageError>;

    /// Deleting a missing blob is not an error (retention sweeps may race).
    async fn delete(&self, key: &BlobKey) -> Result<(), StorageError>;

    /// Whether a blob could be written now (for `/healthz`): a full disk or a read-only mount
    /// is an error.
    async fn check_writable(&self) -> Result<(), StorageError>;
}
