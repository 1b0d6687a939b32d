//! Blobs as files under `<data_dir>/blobs/ab/cd/<sha256>`, written to `tmp/`, fsynced, renamed.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{BlobKey, BlobStore, ByteStream, StorageError, StoredBlob};

pub struct LocalBlobStore {
    root: PathBuf,
}

/// Removes a temporary file unless disarmed: an error, a panic or a dropped future (client gone,
/// process shutting down) never leaves a partial file where a blob could be mistaken for it.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl LocalBlobStore {
    /// Opens (creating) the store and removes temporary files older than an hour, which only a
    /// killed process can leave.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        let store = Self { root };
        store.sweep_tmp(Duration::from_secs(3600))?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[..2]).join(&k[2..4]).join(k)
    }

    /// Deletes temporary files last modified more than `older_than` ago.
    pub fn sweep_tmp(&self, older_than: Duration) -> Result<usize, StorageError> {
        let mut removed = 0;
        let cutoff = SystemTime::now() - older_than;
        for entry in std::fs::read_dir(self.root.join("tmp"))? {
            let entry = entry?;
            let old = entry.metadata()?.modified().map(|t| t <= cutoff).unwrap_or(true);
            if old && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, mut body: ByteStream<'_>, limit_bytes: u64) -> Result<StoredBlob, StorageError> {
        let mut tmp =
            TempFile { path: self.root.join("tmp").join(uuid::Uuid::new_v4().to_string()), armed: true };
        let mut file = tokio::fs::File::create(&tmp.path).await?;
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::Interrupted)?;
            total += chunk.len() as u64;
            if total > limit_bytes {
                return Err(StorageError::TooLarge { limit: limit_bytes });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if total == 0 {
            return Err(StorageError::Empty);
        }
        file.sync_all().await?;
        drop(file);

        let key = BlobKey(hex::encode(hasher.finalize()));
        let dest = self.path_of(&key);
        let dir = dest.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await?;
        // Same bytes already stored: the existing file is the blob, the temp file goes.
        if tokio::fs::try_exists(&dest).await? {
            return Ok(StoredBlob { key, bytes: total });
        }
        tokio::fs::rename(&tmp.path, &dest).await?;
        tmp.armed = false;
        // The rename is durable only once the directory entry is.
        tokio::task::spawn_blocking(move || std::fs::File::open(&dir).and_then(|d| d.sync_all()))
            .await
            .map_err(|e| StorageError::Io(std::io::Error::other(e)))??;
        Ok(StoredBlob { key, bytes: total })
    }

    async fn get(&self, key: &BlobKey) -> Result<Bytes, StorageError> {
        match tokio::fs::read(self.path_of(key)).await {
            Ok(b) => Ok(Bytes::from(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound(key.0.clone())),
            Err(e) => Err(e.into()),
        }
    }

    async fn check_writable(&self) -> Result<(), StorageError> {
        let probe = TempFile {
            path: self.root.join("tmp").join(format!("health-{}", uuid::Uuid::new_v4())),
            armed: true,
        };
        let mut file = tokio::fs::File::create(&probe.path).await?;
        // A few KiB, synced: a full disk fails here rather than on an applicant's upload.
        file.write_all(&[0u8; 4096]).await?;
        file.sync_all().await?;
        drop(file);
        drop(probe);
        Ok(())
    }

    async fn exists(&self, key: &BlobKey) -> Result<bool, StorageError> {
        Ok(tokio::fs::try_exists(self.path_of(key)).await?)
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(parts: Vec<Result<&'static [u8], std::io::Error>>) -> ByteStream<'static> {
        Box::pin(stream::iter(parts.into_iter().map(|p| p.map(Bytes::from_static))))
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = vec![];
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
        out
    }

    #[tokio::test]
    async fn put_is_content_addressed_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let a = store.put(chunks(vec![Ok(b"hello "), Ok(b"world")]), 100).await.unwrap();
        let b = store.put(chunks(vec![Ok(b"hello world")]), 100).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key.as_str(), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert_eq!(&store.get(&a.key).await.unwrap()[..], b"hello world");
        assert_eq!(files_under(dir.path()).len(), 1);
        store.delete(&a.key).await.unwrap();
        assert!(!store.exists(&a.key).await.unwrap());
        store.delete(&a.key).await.unwrap();
    }

    #[tokio::test]
    async fn an_interrupted_or_oversized_or_empty_put_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        let broken = chunks(vec![Ok(b"partial"), Err(std::io::Error::other("connection reset"))]);
        assert!(matches!(store.put(broken, 100).await, Err(StorageError::Interrupted(_))));
        let big = chunks(vec![Ok(b"0123456789"), Ok(b"0123456789")]);
        assert!(matches!(store.put(big, 15).await, Err(StorageError::TooLarge { limit: 15 })));
        assert!(matches!(store.put(chunks(vec![]), 15).await, Err(StorageError::Empty)));
        assert!(files_under(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn a_put_dropped_mid_stream_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).unwrap();
        // A body that sends one chunk and then never finishes, as a client that hangs up.
        let body: ByteStream<'static> =
            Box::pin(stream::iter([Ok(Bytes::from_static(b"first chunk"))]).chain(stream::pending()));
        let put = store.put(body, 100);
        assert!(tokio::time::timeout(Duration::from_millis(100), put).await.is_err());
        assert!(files_under(dir.path()).is_empty());
    }

    #[test]
    fn keys_cannot_be_paths() {
        assert!(BlobKey::parse("../../etc/passwd").is_err());
        assert!(BlobKey::parse(&"A".repeat(64)).is_err());
        assert!(BlobKey::parse(&"a".repeat(64)).is_ok());
    }
}
