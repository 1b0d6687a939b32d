//! `GET /api/v1/queue` (the queue page as JSON, same filters and cursor) and
//! `POST /api/v1/queue/next` (claim the most urgent free case).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};

use super::ApiError;
use crate::review::claim;
use crate::review::queue::{self, Cursor};
use crate::web::AppState;
use crate::web::auth::ApiReviewer;
use crate::web::queue::QueueQuery;

pub async fn list(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let review = &state.settings.review;
    let after = Cursor::decode(&query.after);
    let page = queue::page(
        &state.db,
        &query.filter(),
        after,
        staff.id,
        review.claim_idle_mins,
        review.queue_page_size,
    )
    .await?;
    let counts: BTreeMap<&str, i64> =
        queue::counts(&state.db).await?.into_iter().map(|(s, n)| (s.as_str(), n)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "rows": page.rows, "next": page.next, "counts": counts })))
}

pub async fn next(
    state: web::Data<AppState>,
    ApiReviewer(staff): ApiReviewer,
) -> Result<HttpResponse, ApiError> {
    let app = claim::next_case(&state.db, &staff, &state.settings.review).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": app.id, "order_number": app.order_number })))
}
