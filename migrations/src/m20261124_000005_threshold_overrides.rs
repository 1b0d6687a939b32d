//! Check thresholds an admin changed in the back-office, laid over the configured ones.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("threshold_overrides")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .col(big_integer("updated_at_ms"))
                .col(integer_null("updated_by"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("threshold_overrides").take()).await
    }
}
