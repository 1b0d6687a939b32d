//! The HTTP surface: one action per file, state shared through [`AppState`], pages rendered by
//! one minijinja environment. Every route but `/healthz`, `/login`, the static assets and the
//! applicants' signed links (`/o/{token}`) needs a signed-in staff member, checked by the
//! handler's extractor. The applicant pages (`/apply`, `/lookup`, `/o/{token}/…`) are in
//! `applicant/`.

mod admin;
pub mod api;
pub mod applicant;
mod assets;
pub mod auth;
pub mod cases;
pub mod client;
mod error;
pub mod expect;
mod health;
mod notifications;
pub mod queue;
mod supervisor;
pub mod templates;

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;

pub use error::WebError;

use crate::config::Settings;
use crate::storage::BlobStore;

/// Everything a handler may use. Nothing here is node-local state that another node would miss:
/// the database and the blob store are shared, the rest is read-only.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub blobs: Arc<dyn BlobStore>,
    pub templates: Arc<templates::Templates>,
    pub settings: Arc<Settings>,
    /// Sends the order lookup's one-time codes (the notifications' SMS provider).
    pub sms: Arc<dyn crate::notify::transport::Transport>,
    /// Bounds the uploads decoded at once by this process (`intake.inspect_concurrency`): a
    /// resource limit, not state another node would need.
    pub upload_permits: Arc<tokio::sync::Semaphore>,
    /// `server.trusted_proxies`, parsed.
    pub trusted_proxies: Arc<[client::IpBlock]>,
    /// The process's decode memory budget (`server.decode_memory_mib`), shared with the job
    /// runners: a resource limit, not state another node would need.
    pub memory: crate::memory::MemoryBudget,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Malformed forms, queries and paths get our page with a stable code, not actix's text.
    cfg.app_data(
        web::FormConfig::default()
            .limit(256 * 1024)
            .error_handler(|e, _| WebError::BadRequest(e.to_string()).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|e, _| WebError::BadRequest(e.to_string()).into()))
    .app_data(web::PathConfig::default().error_handler(|_, _| WebError::NotFound.into()));
    api::routes(cfg);
    applicant::routes(cfg);
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/static/{name}", web::get().to(assets::asset))
        .route("/login", web::get().to(auth::login::form))
        .route("/login", web::post().to(auth::login::submit))
        .route("/logout", web::post().to(auth::logout::logout))
        .route("/", web::get().to(home))
        .route("/queue", web::get().to(queue::show))
        .route("/queue/next", web::post().to(queue::next))
        .route("/cases/{id}", web::get().to(cases::show::show))
        .route("/cases/{id}/reveal", web::post().to(cases::show::reveal))
        .route("/cases/{id}/claim", web::post().to(cases::actions::claim))
        .route("/cases/{id}/release", web::post().to(cases::actions::release))
        .route("/cases/{id}/heartbeat", web::post().to(cases::actions::heartbeat))
        .route("/cases/{id}/reassign", web::post().to(cases::actions::reassign))
        .route("/cases/{id}/decision", web::post().to(cases::decide::decide))
        .route("/documents/{id}/scan", web::get().to(cases::scan::scan))
        .route("/supervisor", web::get().to(supervisor::show))
        .route("/supervisor/notifications", web::get().to(notifications::list))
        .route("/supervisor/notifications/{id}/retry", web::post().to(notifications::retry))
        .route("/admin/users", web::get().to(admin::users::list))
        .route("/admin/users", web::post().to(admin::users::create))
        .route("/admin/reasons", web::get().to(admin::reasons::list))
        .route("/admin/reasons", web::post().to(admin::reasons::create))
        .route("/admin/reasons/{code}", web::post().to(admin::reasons::update))
        .route("/admin/thresholds", web::get().to(admin::thresholds::list))
        .route("/admin/thresholds", web::post().to(admin::thresholds::set))
        .route("/admin/messages", web::get().to(admin::messages::list))
        .route("/admin/messages/{key}", web::get().to(admin::messages::show))
        .route("/admin/messages/{key}", web::post().to(admin::messages::update))
        .route("/admin/calendar", web::get().to(admin::calendar::list))
        .route("/admin/calendar", web::post().to(admin::calendar::set))
        .route("/admin/calendar/{day}/delete", web::post().to(admin::calendar::delete));
}

/// Security headers on every response; pages with personal data are never cached.
pub fn default_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .add((header::CACHE_CONTROL, "no-store"))
}

async fn home(_: auth::Reviewer) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, "/queue")).finish()
}

pub fn render(state: &AppState, name: &str, ctx: impl Serialize) -> Result<HttpResponse, WebError> {
    render_status(state, StatusCode::OK, name, ctx)
}

pub fn render_status(
    state: &AppState,
    status: StatusCode,
    name: &str,
    ctx: impl Serialize,
) -> Result<HttpResponse, WebError> {
    let html = state.templates.render(name, ctx)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html))
}
