//! When a blob may be deleted. Blobs are content-addressed and shared: two uploads of the same
//! scan store one blob, and one of them may be refused while the other is still on its way to
//! its document row. So nothing deletes a blob on the spot. Every put touches the blob's lease;
//! recording a document touches it again and checks the blob is there, in the transaction that
//! writes the row; and a sweep deletes only blobs whose lease is older than the grace period and
//! that no document references, holding the lease row while it deletes. The two serialise on the
//! lease row, so a row can never be committed pointing at a blob the sweep removed.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::{BlobKey, BlobStore, StorageError};
use crate::db::begin_write;
use crate::entities::{blob_lease, document};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Marks `key` as in use now (a put, or a row about to reference it).
pub async fn touch(db: &impl ConnectionTrait, key: &BlobKey) -> Result<(), DbErr> {
    let lease = blob_lease::ActiveModel { blob_key: Set(key.as_str().into()), touched_at_ms: Set(now_ms()) };
    blob_lease::Entity::insert(lease)
        .on_conflict(
            OnConflict::column(blob_lease::Column::BlobKey)
                .update_column(blob_lease::Column::TouchedAtMs)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Inside the transaction that will reference `key`: renews its lease (waiting for a sweep that
/// holds it) and confirms the blob is still there.
pub async fn hold(
    txn: &impl ConnectionTrait,
    blobs: &dyn BlobStore,
    key: &BlobKey,
) -> Result<(), StorageError> {
    touch(txn, key).await.map_err(|e| StorageError::Io(std::io::Error::other(e)))?;
    if blobs.exists(key).await? { Ok(()) } else { Err(StorageError::NotFound(key.as_str().into())) }
}

/// What a sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub deleted: usize,
    /// Leases of blobs a document references: dropped, the blob kept.
    pub kept: usize,
}

/// Deletes up to `limit` blobs whose lease is older than `grace` and that no document holds.
pub async fn sweep(
    db: &DatabaseConnection,
    blobs: &dyn BlobStore,
    grace: std::time::Duration,
    limit: u64,
) -> Result<Swept, StorageError> {
    let io = |e: DbErr| StorageError::Io(std::io::Error::other(e));
    let cutoff = now_ms() - grace.as_millis() as i64;
    let stale: Vec<String> = blob_lease::Entity::find()
        .select_only()
        .column(blob_lease::Column::BlobKey)
        .filter(blob_lease::Column::TouchedAtMs.lt(cutoff))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
        .map_err(io)?;
    let mut swept = Swept::default();
    for k in stale {
        let key = BlobKey::parse(&k)?;
        let txn = begin_write(db).await.map_err(io)?;
        // Only if nobody touched it since we looked: a fresh put keeps its blob.
        let taken = blob_lease::Entity::delete_many()
            .filter(blob_lease::Column::BlobKey.eq(key.as_str()))
            .filter(blob_lease::Column::TouchedAtMs.lt(cutoff))
            .exec(&txn)
            .await
            .map_err(io)?
            .rows_affected;
        if taken == 0 {
            continue;
        }
        let held = document::Entity::find()
            .filter(document::Column::BlobKey.eq(key.as_str()))
            .one(&txn)
            .await
            .map_err(io)?
            .is_some();
        if held {
            swept.kept += 1;
        } else {
            blobs.delete(&key).await?;
            swept.deleted += 1;
        }
        txn.commit().await.map_err(io)?;
    }
    Ok(swept)
}
