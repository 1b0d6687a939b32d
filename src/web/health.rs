//! `GET /healthz`: 200 when the database answers and every migration is applied, 503 otherwise,
//! with the job queue's counts so a load balancer and an operator read the same page.

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
    let jobs: serde_json::Map<String, serde_json::Value> =
        queue::counts(&state.db).await.unwrap_or_default().into_iter().map(|(k, v)| (k, v.into())).collect();
    let body = json!({
        "status": if pending.is_empty() { "ok" } else { "unavailable" },
        "database": "ok",
        "backend": backend,
        "migrations": if pending.is_empty() { "current".to_string() } else { format!("{} pending", pending.len()) },
        "jobs": jobs,
        "version": env!("CARGO_PKG_VERSION"),
    });
    if pending.is_empty() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
