//! `POST /o/{token}/documents/{kind}`: one scan, as `multipart/form-data` (field `file`), from
//! the page's form or its script. The file is streamed to the blob store as it arrives (never
//! whole in memory), then inspected and recorded (see `intake::upload`). The page's script asks
//! for JSON (`Accept: application/json`); a plain form gets the order page back.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT, CONTENT_LENGTH};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;

use super::order::{UploadError, render_order};
use super::{resolve, see_other};
use crate::db::rate_limit;
use crate::domain::DocumentKind;
use crate::intake::{IntakeError, Receiver, Refusal};
use crate::storage::{ByteStream, StorageError};
use crate::web::client::client_ip;
use crate::web::{AppState, WebError};

/// Bytes of a refused body still read (and dropped) so the browser sees the answer
/// rather than a reset connection; beyond this the connection is closed.
const DRAIN_FACTOR: u64 = 8;

/// The most bytes read of a form field other than `file` (the page sends none).
const MAX_OTHER_FIELD_BYTES: usize = 16 * 1024;

pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    mut body: Multipart,
) -> Result<HttpResponse, WebError> {
    let (token, kind) = path.into_inner();
    let app = match resolve(&state, &token).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let wants_json =
        req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    let Ok(kind) = kind.parse::<DocumentKind>() else { return Err(WebError::NotFound) };
    let limit = state.settings.checks.max_upload_bytes;
    let declared: Option<u64> =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());

    let per_minute = state.settings.intake.uploads_per_minute_per_address;
    let bucket = format!("upload:{}", client_ip(&req));
    let announced_too_large = crate::web::expect::announced_too_large(declared, limit);
    let result = if announced_too_large {
        // Plainly too large: refused before a byte is stored or read.
        Err(IntakeError::Storage(StorageError::TooLarge { limit }))
    } else if !rate_limit::hit(&state.db, &bucket, 60, per_minute).await? {
        Err(Refusal::RateLimited(per_minute).into())
    } else {
        receive_file(&state, app.id, kind, &mut body).await
    };
    if result.is_err() && !announced_too_large {
        drain(&mut body, limit.saturating_mul(DRAIN_FACTOR)).await;
    }
    match result {
        Ok(doc) => {
            tracing::info!(application = app.id, document = doc.id, kind = %kind, bytes = doc.bytes, "upload stored");
            if wants_json {
                Ok(HttpResponse::Created()
                    .json(serde_json::json!({ "document_id": doc.id, "attempt": doc.attempt })))
            } else {
                Ok(see_other(&format!("/o/{token}#doc-{kind}")))
            }
        }
        Err(e) => {
            let Some(status) = refusal_status(&e) else {
                if wants_json {
                    // The page's script reads JSON: a failure of ours is JSON too (a full disk,
                    // a locked database), with the applicant's message, never an HTML page.
                    tracing::error!(application = app.id, kind = %kind, error = %e, "upload failed");
                    let status = match e {
                        IntakeError::Storage(_) | IntakeError::Db(_) => StatusCode::SERVICE_UNAVAILABLE,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    };
                    let err = serde_json::json!({ "error": { "code": e.code(), "message": e.message_zh() } });
                    return Ok(HttpResponse::build(status).insert_header(("Retry-After", "30")).json(err));
                }
                return Err(anyhow::anyhow!("upload of {kind} for application {}: {e}", app.id).into());
            };
            tracing::info!(application = app.id, kind = %kind, code = e.code(), "upload refused");
            if wants_json {
                let err = serde_json::json!({ "error": { "code": e.code(), "message": e.message_zh() } });
                let mut resp = HttpResponse::build(status).json(err);
                close_if_unread(&mut resp, announced_too_large);
                return Ok(resp);
            }
            let error = UploadError { kind: kind.as_str().into(), code: e.code(), message: e.message_zh() };
            let mut resp = render_order(&state, &token, &app, Some(error), status).await?;
            close_if_unread(&mut resp, announced_too_large);
            Ok(resp)
        }
    }
}

/// The answer to an upload the applicant can fix (too large, empty, cut off, refused); `None`
/// for a failure of ours.
pub fn refusal_status(e: &IntakeError) -> Option<StatusCode> {
    match e {
        IntakeError::Storage(StorageError::TooLarge { .. }) => Some(StatusCode::PAYLOAD_TOO_LARGE),
        IntakeError::Refused(Refusal::RateLimited(_)) => Some(StatusCode::TOO_MANY_REQUESTS),
        IntakeError::Storage(StorageError::Empty | StorageError::Interrupted(_))
        | IntakeError::Refused(_) => Some(StatusCode::UNPROCESSABLE_ENTITY),
        _ => None,
    }
}

/// Finds the `file` field and streams it into intake; other fields are ignored.
async fn receive_file(
    state: &AppState,
    app_id: i32,
    kind: DocumentKind,
    body: &mut Multipart,
) -> Result<crate::entities::document::Model, IntakeError> {
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| {
            IntakeError::Storage(StorageError::Interrupted(std::io::Error::other(e.to_string())))
        })?;
        if field.name() != Some("file") {
            // Other fields are read and dropped, but only so far: a huge text field is refused.
            let mut seen = 0usize;
            while let Some(chunk) = field.next().await {
                seen += chunk
                    .map_err(|e| {
                        IntakeError::Storage(StorageError::Interrupted(std::io::Error::other(e.to_string())))
                    })?
                    .len();
                if seen > MAX_OTHER_FIELD_BYTES {
                    return Err(Refusal::Unusable(crate::pipeline::decode::DecodeError::NotAnImage).into());
                }
            }
            continue;
        }
        let name = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or("").to_string();
        let (pump, stream) = bridge(field);
        let receiver = Receiver {
            db: &state.db,
            blobs: state.blobs.as_ref(),
            settings: &state.settings,
            permits: &state.upload_permits,
            memory: &state.memory,
        };
        let (_, result) = tokio::join!(pump, receiver.receive(app_id, kind, &name, stream));
        return result;
    }
    Err(Refusal::Unusable(crate::pipeline::decode::DecodeError::Empty).into())
}

/// A request body is tied to its worker thread; intake wants a `Send` stream. A small channel
/// carries the chunks across, so at most a few chunks are in memory. Run the returned pump
/// together with whatever reads the stream.
pub fn bridge<S, E>(mut body: S) -> (impl std::future::Future<Output = ()>, ByteStream<'static>)
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let pump = async move {
        while let Some(chunk) = body.next().await {
            let item =
                chunk.map_err(|e| std::io::Error::new(std::io::ErrorKind::ConnectionAborted, e.to_string()));
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
    };
    let stream: ByteStream<'static> =
        Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        ));
    (pump, stream)
}

/// The body of a refused upload that announced too many bytes is not read at all: the answer
/// goes out at once and the connection is closed rather than kept for a body nobody will read.
fn close_if_unread(resp: &mut HttpResponse, unread: bool) {
    if unread {
        resp.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
}

/// Reads and drops what is left of the body, up to `max` bytes.
async fn drain(body: &mut Multipart, max: u64) {
    let mut seen = 0u64;
    while let Some(Ok(mut field)) = body.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            seen += chunk.len() as u64;
            if seen > max {
                return;
            }
        }
    }
}
