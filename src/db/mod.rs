//! The database connection: SQLite (embedded default) or PostgreSQL, migrations and the few
//! backend differences the rest of the code must not care about.

pub mod rate_limit;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::{Settings, redacted_url};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open database {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("database migration failed: {0}")]
    Migrate(DbErr),
}

impl DbError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Connect { .. } => "db.connect",
            Self::DataDir { .. } => "db.data_dir",
            Self::Migrate(_) => "db.migrate",
        }
    }
}

/// Opens the configured database. For SQLite the data directory is created first and the
/// journal switched to WAL so readers never block the single writer.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbError> {
    let url = settings.database_url();
    let url = url.expose_secret();
    if url.starts_with("sqlite:") && settings.database.url.is_none() {
        let dir = &settings.storage.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|source| DbError::DataDir { path: dir.display().to_string(), source })?;
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(settings.database.max_connections)
        .connect_timeout(Duration::from_secs(settings.database.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(settings.database.connect_timeout_secs))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    Database::connect(opts).await.map_err(|source| DbError::Connect { url: redacted_url(url), source })
}

/// Applies pending migrations. On SQLite prefer [`open`]: connections of this pool that read the
/// schema before the migration keep a stale copy of it.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbError> {
    Migrator::up(db, None).await.map_err(DbError::Migrate)
}

/// Connects and migrates. On SQLite the pool is then reopened: a connection that loaded the
/// schema before a migration added an index prepares statements against its stale copy
/// ("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint").
pub async fn open(settings: &Settings) -> Result<DatabaseConnection, DbError> {
    let db = connect(settings).await?;
    migrate(&db).await?;
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(db);
    }
    db.close().await.ok();
    connect(settings).await
}

/// Names of migrations known to this binary and not yet applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.iter().map(|m| m.name().to_string()).collect())
}

/// (name, applied?) for every migration this binary knows.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    let pending = pending_migrations(db).await?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| (m.name().to_string(), !pending.contains(&m.name().to_string())))
        .collect())
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that upgrades to writing fails with
/// SQLITE_BUSY under contention instead of waiting.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// SQL for "now" in epoch milliseconds from the database's clock (one clock for every node).
pub fn now_ms_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint",
        _ => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    }
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}
