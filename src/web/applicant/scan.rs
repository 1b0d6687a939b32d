//! `GET /o/{token}/scans/{id}`: one of the application's own uploads, for its applicant.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sea_orm::EntityTrait;

use super::resolve;
use crate::entities::document;
use crate::storage::{BlobKey, StorageError};
use crate::web::{AppState, WebError};

pub async fn scan(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (token, id) = path.into_inner();
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let doc = document::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|d| d.application_id == app.id)
        .ok_or(WebError::NotFound)?;
    let key = BlobKey::parse(&doc.blob_key).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = match state.blobs.get(&key).await {
        Ok(b) => b,
        Err(StorageError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(anyhow::anyhow!("{e}").into()),
    };
    // Only what intake accepted is here; the type comes from the bytes. Browsers show no TIFF,
    // so the applicant sees the findings without the picture there.
    let media = match crate::pipeline::decode::sniff(&bytes) {
        Ok((image::ImageFormat::Tiff, _)) | Err(_) => return Err(WebError::NotFound),
        Ok((_, media)) => media,
    };
    Ok(HttpResponse::Ok()
        .content_type(media)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
