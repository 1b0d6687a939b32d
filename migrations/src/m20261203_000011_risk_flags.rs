//! The queue's risk column (issue 23): the findings that point at fraud or the wrong company
//! (another company's seal, a contract seal, the licence's name differing, a number
//! mismatch), summarised per application like `failing_checks` (`,seal.other_name,`) so the
//! queue shows and filters them without reading reports. Rows checked before this migration
//! get their summary when their next check finishes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("applications").add_column(string("risk_flags").default("").take()).take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("applications").drop_column("risk_flags").take()).await
    }
}
