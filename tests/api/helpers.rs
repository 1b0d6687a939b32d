//! `TestDb` (a fresh database on the backend under test) and `spawn_app` (the real server on
//! port 0 over it).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sealdesk::config::{Overrides, Settings};
use sealdesk::startup::Application;
use secrecy::SecretString;
use tempfile::TempDir;

pub struct TestDb {
    pub dir: TempDir,
    /// `None` on SQLite (the data dir's default database).
    pub url: Option<String>,
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match std::env::var("SEALDESK_TEST_PG_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("sealdesk_t_{}", uuid::Uuid::new_v4().simple());
                let conn = Database::connect(&admin).await.expect("connect to PostgreSQL admin URL");
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Some(format!("{base}/{name}"))
            }
            _ => None,
        };
        Self { dir, url }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.is_some()
    }

    pub fn settings(&self) -> Settings {
        let mut s = Settings::load(
            Some(std::path::Path::new("/dev/null")),
            &Overrides { bind: Some("127.0.0.1:0".into()), data_dir: Some(self.dir.path().to_path_buf()) },
        )
        .expect("test settings");
        s.database.url = self.url.clone().map(SecretString::from);
        s.jobs.poll_interval_ms = 50;
        s
    }

    /// A new connection pool on the migrated database (a second "node" when called twice).
    pub async fn connect(&self) -> DatabaseConnection {
        let s = self.settings();
        sealdesk::db::open(&s).await.expect("open database")
    }

    /// Environment for a `sealdesk` child process on this database.
    pub fn command(&self) -> Command {
        self.command_in(self.dir.path())
    }

    /// As [`Self::command`] with another data directory.
    pub fn command_in(&self, data_dir: &std::path::Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sealdesk"));
        cmd.arg("--data-dir").arg(data_dir);
        cmd.env_remove("DATABASE_URL");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SEALDESK__")) {
            cmd.env_remove(k);
        }
        if let Some(url) = &self.url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.current_dir(self.dir.path());
        cmd
    }
}

pub struct TestApp {
    pub address: String,
    pub test_db: TestDb,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with its settings adjusted first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, test_db, client: reqwest::Client::new(), handle }
}

/// Polls `cond` every 50 ms until it holds or `limit` passes; the bound keeps a broken test from
/// hanging, it is not a timing assertion.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !cond().await {
        assert!(start.elapsed() < limit, "gave up waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Kills the child on drop, so a failing test leaves no server behind.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spawn_serve(db: &TestDb, envs: &[(&str, &str)]) -> ChildGuard {
    let mut cmd = db.command();
    cmd.args(["serve", "--bind", "127.0.0.1:0"]).stdout(Stdio::null()).stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    ChildGuard(cmd.spawn().expect("spawn sealdesk serve"))
}
