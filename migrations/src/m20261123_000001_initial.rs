//! The initial schema: organisations, applications, documents and their check reports, review
//! decisions, the rejection-reason catalogue, audit events, the notification outbox, staff
//! users and the job queue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn now(col: &'static str) -> ColumnDef {
    timestamp_with_time_zone(col).default(Expr::current_timestamp()).take()
}

fn fk(from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to, "id").on_delete(ForeignKeyAction::Cascade).take()
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create().name(name).table(table).take();
    for c in cols {
        idx.col(*c);
    }
    idx
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("organisations")
                .col(pk_auto("id"))
                .col(string("name"))
                .col(string_len_uniq("uscc", 18))
                .col(string("legal_rep_name"))
                .col(string("contact_phone"))
                .col(string_null("office_phone"))
                .col(string_null("website"))
                .col(now("created_at"))
                .col(now("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("staff_users")
                .col(pk_auto("id"))
                .col(string_uniq("username"))
                .col(string("display_name"))
                .col(string("password_hash"))
                .col(string_len("role", 16))
                .col(boolean("active").default(true))
                .col(now("created_at"))
                .col(timestamp_with_time_zone_null("last_login_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("applications")
                .col(pk_auto("id"))
                .col(string_len_uniq("order_number", 20))
                .col(integer("organisation_id"))
                .col(string_len("operation_type", 32))
                .col(string_len("certificate_type", 32))
                .col(integer("validity_years"))
                .col(string_len("delivery", 16))
                .col(string_len("state", 24))
                // The application form as typed (附件一), kept apart from the organisation
                // record: a typo here is exactly what the number check must catch.
                .col(string("company_name"))
                .col(string_len("company_uscc", 18))
                .col(string("legal_rep_name"))
                .col(string_len("legal_rep_id_number", 18))
                .col(string("operator_name"))
                .col(string_len("operator_id_number", 18))
                .col(string_len("operator_mobile", 11))
                .col(string("operator_email"))
                .col(string_null("operator_wechat"))
                .col(string("mailing_address"))
                .col(json_binary("form_extra"))
                .col(integer_null("assignee_id"))
                .col(timestamp_with_time_zone_null("claimed_at"))
                .col(integer("resubmissions").default(0))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("queued_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(0))
                .col(now("created_at"))
                .col(now("updated_at"))
                .foreign_key(&mut fk(("applications", "organisation_id"), "organisations"))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from("applications", "assignee_id")
                        .to("staff_users", "id")
                        .on_delete(ForeignKeyAction::SetNull)
                        .take(),
                )
                .take(),
        )
        .await?;
        m.create_index(index("applications", "idx_applications_state_queued", &["state", "queued_at"]))
            .await?;
        m.create_index(index("applications", "idx_applications_mobile", &["operator_mobile"])).await?;
        m.create_index(index("applications", "idx_applications_org", &["organisation_id"])).await?;

        m.create_table(
            Table::create()
                .table("documents")
                .col(pk_auto("id"))
                .col(integer("application_id"))
                .col(string_len("kind", 32))
                .col(integer("attempt"))
                .col(string_len("blob_key", 64))
                .col(string_len("sha256", 64))
                .col(string_len("media_type", 64))
                .col(big_integer("bytes"))
                .col(integer_null("width_px"))
                .col(integer_null("height_px"))
                .col(string("original_name"))
                .col(string_len("status", 24).default("pending"))
                .col(now("uploaded_at"))
                .foreign_key(&mut fk(("documents", "application_id"), "applications"))
                .take(),
        )
        .await?;
        m.create_index(
            index("documents", "uq_documents_attempt", &["application_id", "kind", "attempt"])
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("check_reports")
                .col(pk_auto("id"))
                .col(integer_uniq("document_id"))
                .col(string_len("verdict", 16))
                .col(json_binary("report"))
                .col(string_len("pipeline_version", 32))
                .col(double("elapsed_ms"))
                .col(now("created_at"))
                .foreign_key(&mut fk(("check_reports", "document_id"), "documents"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("rejection_reasons")
                .col(string_len("code", 64).primary_key())
                .col(string("text_zh"))
                .col(string_len("kind", 8))
                .col(string_len_null("applies_to", 32))
                .col(boolean("active").default(true))
                .col(integer("sort_order").default(0))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("review_decisions")
                .col(pk_auto("id"))
                .col(integer("application_id"))
                .col(integer_null("document_id"))
                .col(integer_null("reviewer_id"))
                .col(string_len("outcome", 32))
                .col(text("comment_applicant").default(""))
                .col(text("note_internal").default(""))
                // A double-clicked submit carries the same key and is refused by the index.
                .col(string_len_uniq("idempotency_key", 64))
                .col(now("created_at"))
                .foreign_key(&mut fk(("review_decisions", "application_id"), "applications"))
                .take(),
        )
        .await?;
        m.create_index(index("review_decisions", "idx_decisions_application", &["application_id"])).await?;

        m.create_table(
            Table::create()
                .table("decision_reasons")
                .col(integer("decision_id"))
                .col(string_len("reason_code", 64))
                .primary_key(Index::create().col("decision_id").col("reason_code"))
                .foreign_key(&mut fk(("decision_reasons", "decision_id"), "review_decisions"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_events")
                .col(pk_auto("id"))
                .col(now("at"))
                .col(string_len("actor_type", 16))
                .col(integer_null("actor_id"))
                .col(string_len("action", 64))
                .col(integer_null("application_id"))
                .col(integer_null("document_id"))
                .col(json_binary("detail"))
                .take(),
        )
        .await?;
        m.create_index(index("audit_events", "idx_audit_application", &["application_id", "at"])).await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(pk_auto("id"))
                .col(integer_null("application_id"))
                .col(string_len("channel", 16))
                .col(string("recipient"))
                .col(string_len("template", 64))
                .col(json_binary("payload"))
                .col(string_len("state", 16).default("pending"))
                .col(integer("attempts").default(0))
                .col(text_null("last_error"))
                .col(string_len_uniq("idempotency_key", 96))
                .col(now("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .take(),
        )
        .await?;
        m.create_index(index("notifications", "idx_notifications_state", &["state"])).await?;

        // Times are epoch milliseconds from the database's own clock, so that leases compare
        // the same way on every node and on both backends.
        m.create_table(
            Table::create()
                .table("jobs")
                .col(pk_auto("id"))
                .col(string_len("kind", 64))
                .col(json_binary("payload"))
                .col(string_len("state", 16).default("queued"))
                .col(integer("attempts").default(0))
                .col(integer("max_attempts"))
                .col(big_integer("run_at_ms"))
                .col(big_integer_null("lease_until_ms"))
                .col(string_len_null("locked_by", 64))
                .col(text_null("last_error"))
                .col(string_len_null("dedupe_key", 128))
                .col(big_integer("created_at_ms"))
                .col(big_integer_null("finished_at_ms"))
                .take(),
        )
        .await?;
        m.create_index(index("jobs", "idx_jobs_claim", &["state", "run_at_ms"])).await?;
        m.create_index(index("jobs", "uq_jobs_dedupe", &["dedupe_key"]).unique().take()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "jobs",
            "notifications",
            "audit_events",
            "decision_reasons",
            "review_decisions",
            "rejection_reasons",
            "check_reports",
            "documents",
            "applications",
            "staff_users",
            "organisations",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
