//! The reviewer back-office: staff sessions and login attempts (in the database, so every node
//! sees them), the working-day calendar the review SLA counts in, and per-application queue
//! columns (due time in epoch milliseconds for portable ordering, the failing checks for the
//! queue filter).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Holidays and make-up working days (调休上班) for 2026, from 国务院办公厅关于2026年部分节假日安排的
/// 通知 (2025-11-04). Data, not code: later years are added as rows when the State Council
/// publishes them.
const CALENDAR_2026: &[(&str, &str, &str)] = &[
    ("2026-01-01", "holiday", "元旦"),
    ("2026-01-02", "holiday", "元旦"),
    ("2026-01-03", "holiday", "元旦"),
    ("2026-01-04", "workday", "元旦调休上班"),
    ("2026-02-14", "workday", "春节调休上班"),
    ("2026-02-15", "holiday", "春节"),
    ("2026-02-16", "holiday", "春节"),
    ("2026-02-17", "holiday", "春节"),
    ("2026-02-18", "holiday", "春节"),
    ("2026-02-19", "holiday", "春节"),
    ("2026-02-20", "holiday", "春节"),
    ("2026-02-21", "holiday", "春节"),
    ("2026-02-22", "holiday", "春节"),
    ("2026-02-23", "holiday", "春节"),
    ("2026-02-28", "workday", "春节调休上班"),
    ("2026-04-04", "holiday", "清明节"),
    ("2026-04-05", "holiday", "清明节"),
    ("2026-04-06", "holiday", "清明节"),
    ("2026-05-01", "holiday", "劳动节"),
    ("2026-05-02", "holiday", "劳动节"),
    ("2026-05-03", "holiday", "劳动节"),
    ("2026-05-04", "holiday", "劳动节"),
    ("2026-05-05", "holiday", "劳动节"),
    ("2026-05-09", "workday", "劳动节调休上班"),
    ("2026-06-19", "holiday", "端午节"),
    ("2026-06-20", "holiday", "端午节"),
    ("2026-06-21", "holiday", "端午节"),
    ("2026-09-20", "workday", "国庆节调休上班"),
    ("2026-09-25", "holiday", "中秋节"),
    ("2026-09-26", "holiday", "中秋节"),
    ("2026-09-27", "holiday", "中秋节"),
    ("2026-10-01", "holiday", "国庆节"),
    ("2026-10-02", "holiday", "国庆节"),
    ("2026-10-03", "holiday", "国庆节"),
    ("2026-10-04", "holiday", "国庆节"),
    ("2026-10-05", "holiday", "国庆节"),
    ("2026-10-06", "holiday", "国庆节"),
    ("2026-10-07", "holiday", "国庆节"),
    ("2026-10-10", "workday", "国庆节调休上班"),
];

fn add_column(table: &'static str, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("staff_sessions")
                // SHA-256 of the cookie's token: a leaked table does not log anyone in.
                .col(string_len("token_hash", 64).primary_key())
                .col(integer("staff_id"))
                .col(string_len("csrf_token", 64))
                .col(big_integer("created_at_ms"))
                .col(big_integer("last_seen_ms"))
                .col(big_integer("expires_at_ms"))
                .col(string_len_null("ip", 64))
                .col(string_null("user_agent"))
                .foreign_key(
                    ForeignKey::create()
                        .from("staff_sessions", "staff_id")
                        .to("staff_users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_sessions_staff").table("staff_sessions").col("staff_id").take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("login_attempts")
                .col(pk_auto("id"))
                .col(string_len("username", 64))
                .col(string_len("ip", 64))
                .col(boolean("ok"))
                .col(big_integer("at_ms"))
                .take(),
        )
        .await?;
        for (name, col) in [("idx_login_attempts_user", "username"), ("idx_login_attempts_ip", "ip")] {
            m.create_index(Index::create().name(name).table("login_attempts").col(col).col("at_ms").take())
                .await?;
        }

        m.create_table(
            Table::create()
                .table("calendar_days")
                .col(string_len("day", 10).primary_key())
                .col(string_len("kind", 8))
                .col(string("note"))
                .take(),
        )
        .await?;
        let mut insert = Query::insert().into_table("calendar_days").columns(["day", "kind", "note"]).take();
        for (day, kind, note) in CALENDAR_2026 {
            insert.values_panic([(*day).into(), (*kind).into(), (*note).into()]);
        }
        m.exec_stmt(insert).await?;

        m.alter_table(add_column("applications", big_integer_null("due_at_ms"))).await?;
        m.alter_table(add_column("applications", string("failing_checks").default("").take())).await?;
        // Cases already waiting have no known due time: put them first rather than hide them.
        m.exec_stmt(
            Query::update()
                .table("applications")
                .value("due_at_ms", 0i64)
                .and_where(Expr::col("state").eq("in_review"))
                .and_where(Expr::col("due_at_ms").is_null())
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_applications_queue")
                .table("applications")
                .col("state")
                .col("due_at_ms")
                .col("id")
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_applications_queue").table("applications").to_owned()).await?;
        for col in ["due_at_ms", "failing_checks"] {
            m.alter_table(Table::alter().table("applications").drop_column(col).take()).await?;
        }
        for t in ["calendar_days", "login_attempts", "staff_sessions"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
