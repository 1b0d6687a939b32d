//! Blob leases: every put of a blob touches its lease, and only a sweep deletes blobs, those
//! whose lease is older than the grace period and that no document references. A refused upload
//! no longer deletes its blob on the spot, where it could delete the bytes a concurrent upload
//! of the same scan had stored but not yet recorded.
//!
//! Rate limits: one fixed-window counter per bucket (`apply:<address>`, `upload:<address>`),
//! shared by every node.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("blob_leases")
                .col(string_len("blob_key", 64).primary_key())
                .col(big_integer("touched_at_ms"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_blob_leases_touched").table("blob_leases").col("touched_at_ms").take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("rate_limits")
                .col(string_len("bucket", 120).primary_key())
                .col(big_integer("window_start_ms"))
                .col(integer("hits"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("rate_limits").take()).await?;
        m.drop_table(Table::drop().table("blob_leases").take()).await
    }
}
