//! API tokens for the reviewer JSON API: a staff member's bearer tokens, stored as SHA-256.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(pk_auto("id"))
                .col(integer("staff_id"))
                .col(string("name"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("created_at_ms"))
                .col(big_integer_null("last_used_ms"))
                .col(boolean("revoked").default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from("api_tokens", "staff_id")
                        .to("staff_users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("api_tokens").take()).await
    }
}
