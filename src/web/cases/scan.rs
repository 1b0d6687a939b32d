//! `GET /documents/{id}/scan`: the uploaded image, for staff only, never cached by the browser.
//! TIFF, which browsers do not show, is converted to PNG on a blocking thread, under the
//! upload inspection's limits and permits.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::audit::{self, Actor};
use crate::entities::{application, document};
use crate::review::reveal;
use crate::storage::{BlobKey, StorageError};
use crate::web::auth::Reviewer;
use crate::web::{AppState, WebError};
use sea_orm::EntityTrait;

pub async fn scan(
    state: web::Data<AppState>,
    Reviewer(staff): Reviewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let doc =
        document::Entity::find_by_id(path.into_inner()).one(&state.db).await?.ok_or(WebError::NotFound)?;
    let app = application::Entity::find_by_id(doc.application_id).one(&state.db).await?;
    if !app.is_some_and(|a| reveal::may_view(&staff, &a.state)) {
        return Err(WebError::NotFound);
    }
    let key = BlobKey::parse(&doc.blob_key).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = match state.blobs.get(&key).await {
        Ok(b) => b,
        Err(StorageError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(anyhow::anyhow!("{e}").into()),
    };
    audit::record(
        &state.db,
        audit::Entry {
            actor: Actor::Staff(staff.id),
            action: "document.viewed",
            application_id: Some(doc.application_id),
            document_id: Some(doc.id),
            detail: serde_json::json!({}),
        },
    )
    .await?;
    // The type comes from the bytes, never from what the uploader claimed.
    let sniffed = crate::pipeline::decode::sniff(&bytes).ok().map(|(f, media)| (f, media.to_string()));
    let (media_type, body) = match sniffed {
        None => return Err(WebError::NotFound),
        Some((image::ImageFormat::Tiff, _)) if doc.width_px.is_some() => {
            // Decoded under the same limits (pixels, decoded bytes) and the same permits as an
            // upload's inspection: six staff opening a huge TIFF at once wait their turn.
            let _permit = state.upload_permits.acquire().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let cfg = state.settings.checks.clone();
            let cost = crate::memory::MemoryBudget::cost(&bytes, &cfg, 1);
            let _memory = state.memory.reserve(cost).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let png = web::block(move || -> Result<Vec<u8>, String> {
                let page = crate::pipeline::decode::decode(&bytes, &cfg).map_err(|(e, _)| e.to_string())?;
                let mut out = std::io::Cursor::new(Vec::new());
                page.rgb.write_to(&mut out, image::ImageFormat::Png).map_err(|e| e.to_string())?;
                Ok(out.into_inner())
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("TIFF for viewing: {e}"))?;
            ("image/png".to_string(), bytes::Bytes::from(png))
        }
        Some((image::ImageFormat::Tiff, _)) => return Err(WebError::NotFound),
        Some((_, media)) => (media, bytes),
    };
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body))
}
