//! Database migrations for sealdesk, run from code (`sealdesk migrate`, and on `serve` start-up).
//! Written with sea-query's builders so the same migration runs on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_reason_catalogue;
mod m20261124_000003_review_desk;
mod m20261124_000004_api_tokens;
mod m20261124_000005_threshold_overrides;
mod m20261201_000006_notifications;
mod m20261202_000007_intake;
mod m20261203_000008_intake_scope;
mod m20261203_000009_leases_and_limits;
mod m20261203_000010_final_reasons;
mod m20261203_000011_risk_flags;
mod m20261203_000012_override_note;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_reason_catalogue::Migration),
            Box::new(m20261124_000003_review_desk::Migration),
            Box::new(m20261124_000004_api_tokens::Migration),
            Box::new(m20261124_000005_threshold_overrides::Migration),
            Box::new(m20261201_000006_notifications::Migration),
            Box::new(m20261202_000007_intake::Migration),
            Box::new(m20261203_000008_intake_scope::Migration),
            Box::new(m20261203_000009_leases_and_limits::Migration),
            Box::new(m20261203_000010_final_reasons::Migration),
            Box::new(m20261203_000011_risk_flags::Migration),
            Box::new(m20261203_000012_override_note::Migration),
        ]
    }
}
