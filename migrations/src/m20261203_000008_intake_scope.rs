//! An intake key deduplicates only its own creator's retry of the same form: the key is unique
//! per creator (`intake_scope`: `public` or `staff:<id>`) and stored with a hash of the form it
//! created. `created_by` names the integration account that created an application through the
//! API, which may see only its own. Keys stored before this migration are set aside (`legacy`):
//! no request can match them again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_applications_intake_key").table("applications").to_owned())
            .await?;
        for col in [
            string_len_null("intake_scope", 40),
            string_len_null("intake_hash", 64),
            integer_null("created_by"),
        ] {
            let mut col = col;
            m.alter_table(Table::alter().table("applications").add_column(&mut col).take()).await?;
        }
        m.get_connection()
            .execute_unprepared(
                "UPDATE applications SET intake_scope = 'legacy' WHERE intake_key IS NOT NULL",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("idx_applications_intake_scope_key")
                .table("applications")
                .col("intake_scope")
                .col("intake_key")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_applications_created_by")
                .table("applications")
                .col("created_by")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_applications_created_by").table("applications").to_owned())
            .await?;
        m.drop_index(
            Index::drop().name("idx_applications_intake_scope_key").table("applications").to_owned(),
        )
        .await?;
        for col in ["created_by", "intake_hash", "intake_scope"] {
            m.alter_table(Table::alter().table("applications").drop_column(col).take()).await?;
        }
        m.create_index(
            Index::create()
                .name("idx_applications_intake_key")
                .table("applications")
                .col("intake_key")
                .unique()
                .take(),
        )
        .await
    }
}
