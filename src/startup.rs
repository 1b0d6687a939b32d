//! Builds the running service: database, blob store, job runners and the HTTP server.
//! `Application::build` binds before returning, so tests can ask for port 0 and read the port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::HttpService;
use actix_service::{IntoServiceFactory as _, ServiceFactoryExt as _, fn_service, map_config};
use actix_web::dev::AppConfig;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::db;
use crate::jobs::{Registry, WorkerPool, spawn_workers};
use crate::ocr::pool::OcrPool;
use crate::storage::{BlobStore, LocalBlobStore};
use crate::web::{AppState, routes, templates::Templates};

pub struct Application {
    port: u16,
    server: Server,
    workers: WorkerPool,
    pub db: DatabaseConnection,
}

/// A name for this process's job runners, unique across nodes and restarts.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let short = &uuid::Uuid::new_v4().simple().to_string()[..8];
    format!("{}-{}-{short}", if host.is_empty() { "node" } else { &host }, std::process::id())
}

/// Opens the database (creating and migrating it) and the blob store.
pub async fn open(settings: &Settings) -> anyhow::Result<(DatabaseConnection, Arc<dyn BlobStore>)> {
    let db = db::open(settings).await?;
    let blobs = LocalBlobStore::open(settings.blob_dir())
        .with_context(|| format!("cannot open blob store at {}", settings.blob_dir().display()))?;
    Ok((db, Arc::new(blobs)))
}

/// One OCR engine per page checked at once, started before any job is claimed; refuses to
/// start when the language data is missing.
pub async fn start_ocr(settings: &Settings) -> anyhow::Result<Arc<OcrPool>> {
    let (size, dir) = (settings.jobs.check_concurrency, settings.ocr.tessdata_dir.clone());
    let pool = tokio::task::spawn_blocking(move || OcrPool::tesseract(size, dir))
        .await
        .context("OCR start-up")?
        .context("cannot start the OCR engines")?;
    Ok(Arc::new(pool))
}

impl Application {
    /// The service with the standard job handlers.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, |r| r).await
    }

    /// The service, with `handlers` adjusting the standard job handlers (tests add their own).
    pub async fn build_with(
        settings: Settings,
        handlers: impl FnOnce(Registry) -> Registry,
    ) -> anyhow::Result<Self> {
        let (db, blobs) = open(&settings).await?;
        let ocr = start_ocr(&settings).await?;
        let transports = crate::notify::Transports::from_settings(&settings.notify)
            .map_err(|e| anyhow::anyhow!("notifications: {e}"))?;
        let sms = transports.sms.clone();
        let memory = crate::memory::MemoryBudget::new(settings.server.decode_memory_mib);
        let registry =
            handlers(Registry::standard(blobs.clone(), ocr, transports, &settings, memory.clone()));
        let listener = TcpListener::bind(settings.bind_addr())
            .with_context(|| format!("cannot listen on {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            db: db.clone(),
            blobs,
            templates: Arc::new(Templates::new().context("templates")?),
            settings: Arc::new(settings.clone()),
            sms,
            upload_permits: Arc::new(tokio::sync::Semaphore::new(settings.intake.inspect_concurrency)),
            trusted_proxies: settings.server.trusted_proxy_blocks().map_err(|e| anyhow::anyhow!(e))?.into(),
            memory,
        };
        let upload_limit = settings.checks.max_upload_bytes;
        let server = actix_server::Server::build()
            .workers(settings.server.http_workers)
            .disable_signals()
            .listen("sealdesk-http", listener, move || {
                let state = state.clone();
                let app = App::new()
                    .wrap(crate::web::default_headers())
                    .wrap(TracingLogger::<crate::web::client::RequestSpan>::new())
                    .app_data(web::Data::new(state))
                    .configure(routes)
                    .into_factory()
                    .map_err(|e: actix_web::Error| e.error_response());
                // Built by hand rather than by `HttpServer` only to install the answer to
                // `Expect: 100-continue` (see `web::expect`); the timeouts are HttpServer's.
                HttpService::build()
                    .client_request_timeout(Duration::from_secs(5))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .expect(fn_service(move |req| crate::web::expect::check(req, upload_limit)))
                    .finish(map_config(app, |_| AppConfig::default()))
                    .tcp()
            })?
            .run();
        let workers = spawn_workers(db.clone(), registry, settings.jobs.clone(), &node_name());
        tracing::info!(port, backend = ?db.get_database_backend(), "sealdesk serving");
        Ok(Self { port, server, workers, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the HTTP server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (by [`Self::handle`] or a signal handler), then stops
    /// the job runners, letting running jobs finish or releasing them.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let result = self.server.await;
        tracing::info!("HTTP server stopped; stopping job runners");
        self.workers.shutdown().await;
        self.db.close().await.ok();
        result.context("HTTP server failed")
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
