//! Notifications: what each outbox row became (the rendered text, the provider's receipt), every
//! delivery attempt, admins' edits of the message templates, and the link-signing secret every
//! node shares.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            text_null("rendered"),
            string_len_null("provider", 32),
            string_null("provider_ref"),
            big_integer_null("sent_at_ms"),
        ] {
            m.alter_table(Table::alter().table("notifications").add_column(col).take()).await?;
        }
        m.create_index(
            Index::create()
                .name("idx_notifications_rate")
                .table("notifications")
                .col("application_id")
                .col("channel")
                .col("sent_at_ms")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("notification_attempts")
                .col(pk_auto("id"))
                .col(integer("notification_id"))
                .col(integer("attempt"))
                .col(string_len("worker", 64))
                .col(big_integer("started_at_ms"))
                .col(big_integer_null("finished_at_ms"))
                // sending (not yet known) | sent | failed | unknown (the sender died mid-send)
                .col(string_len("outcome", 16))
                .col(text_null("error"))
                .col(string_null("provider_ref"))
                .foreign_key(
                    ForeignKey::create()
                        .from("notification_attempts", "notification_id")
                        .to("notifications", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notification_attempts_n")
                .table("notification_attempts")
                .col("notification_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("notification_templates")
                // `decision.return.sms`, `decision.return.email.subject`, …
                .col(string_len("key", 96).primary_key())
                .col(text("source"))
                .col(big_integer("updated_at_ms"))
                .col(integer_null("updated_by"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("app_secrets")
                .col(string_len("name", 64).primary_key())
                .col(string("value"))
                .col(big_integer("created_at_ms"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["app_secrets", "notification_templates", "notification_attempts"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        m.drop_index(Index::drop().name("idx_notifications_rate").table("notifications").to_owned()).await?;
        for c in ["sent_at_ms", "provider_ref", "provider", "rendered"] {
            m.alter_table(Table::alter().table("notifications").drop_column(c).take()).await?;
        }
        Ok(())
    }
}
