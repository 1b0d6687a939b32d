//! Approving, or accepting a document, over a failed automated check needs a word from the
//! reviewer (issue 23): the note is kept with the decision (and in its audit event) and shown
//! to supervisors. Decisions made before this migration have none.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("review_decisions")
                .add_column(text("override_note").default("").take())
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("review_decisions").drop_column("override_note").take()).await
    }
}
