//! Applicant intake: each document's perceptual hash (a re-upload of the scan that was sent back
//! is refused), the key that makes a double-clicked "create application" create one, and the
//! one-time SMS codes of the order lookup.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("documents").add_column(big_integer_null("phash")).take()).await?;
        m.alter_table(
            Table::alter().table("applications").add_column(string_len_null("intake_key", 64)).take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_applications_intake_key")
                .table("applications")
                .col("intake_key")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("lookup_codes")
                .col(pk_auto("id"))
                .col(integer("application_id"))
                // SHA-256 of the code with the row's salt; the code itself is only in the SMS.
                .col(string_len("code_hash", 64))
                .col(string_len("salt", 32))
                .col(big_integer("created_at_ms"))
                .col(big_integer("expires_at_ms"))
                .col(integer("failed_attempts"))
                .col(big_integer_null("used_at_ms"))
                .foreign_key(
                    ForeignKey::create()
                        .from("lookup_codes", "application_id")
                        .to("applications", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_lookup_codes_app")
                .table("lookup_codes")
                .col("application_id")
                .col("created_at_ms")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("lookup_codes").take()).await?;
        m.drop_index(Index::drop().name("idx_applications_intake_key").table("applications").to_owned())
            .await?;
        m.alter_table(Table::alter().table("applications").drop_column("intake_key").take()).await?;
        m.alter_table(Table::alter().table("documents").drop_column("phash").take()).await
    }
}
