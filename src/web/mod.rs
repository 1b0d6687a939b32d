//! The HTTP surface: one action per file, state shared through [`AppState`], pages rendered by
//! one minijinja environment.

mod health;
mod home;
pub mod templates;

use std::sync::Arc;

use actix_web::web;
use sea_orm::DatabaseConnection;

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
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz)).route("/", web::get().to(home::home));
}
