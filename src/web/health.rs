//! `GET /healthz`: 200 when the database answers, every migration is applied and the blob store
//! takes a write; 503 otherwise (`unavailable` without a database, `degraded` when only the
//! store fails: pages can be read, uploads cannot), with the job queue's counts so a load
//! balancer and an operator read the same page.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use crate::{db, jobs::queue};

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = format!("{:?}", state.db.get_database_backend()).to_lowercase();
    if let Err(e) = db::ping(&state.db).await {
        tracing::warn!(error = %e, "health: database unreachable");
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "code": "health.database", "backend": backend }));
    }
    let pending = match db::pending_migrations(&state.db).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "health: cannot read migrations");
            return HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "code": "health.migrations", "backend": backend }));
        }
    };
    let storage = match state.blobs.check_writable().await {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            tracing::warn!(error = %e, "health: blob store not writable");
            format!("not writable: {}", e.code())
        }
    };
    let jobs: serde_json::Map<String, serde_json::Value> =
        queue::counts(&state.db).await.unwrap_or_default().into_iter().map(|(k, v)| (k, v.into())).collect();
    let status = match (pending.is_empty(), storage == "ok") {
        (false, _) => "unavailable",
        (true, false) => "degraded",
        (true, true) => "ok",
    };
    let body = json!({
        "status": status,
        "database": "ok",
        "storage": storage,
        "backend": backend,
        "migrations": if pending.is_empty() { "current".to_string() } else { format!("{} pending", pending.len()) },
        "jobs": jobs,
        "version": env!("CARGO_PKG_VERSION"),
    });
    if status == "ok" { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
