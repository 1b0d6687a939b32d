//! The answer to `Expect: 100-continue`. A client that asks before sending its body is told
//! `413` at once when the body it announces is plainly over the upload limit, so neither side
//! spends a byte on it; anything else gets `100 Continue` and goes on to its handler, which judges
//! it as usual (the handler also refuses an announced oversize body sent without asking).

use actix_http::{HttpMessage as _, Request, Response};
use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::http::header::{CONNECTION, CONTENT_LENGTH};

use crate::storage::StorageError;

/// Room for the multipart framing around one file (boundaries, part headers).
pub const MULTIPART_SLACK: u64 = 64 * 1024;

/// Whether a body announced as `declared` bytes is plainly over `limit` for one file.
pub fn announced_too_large(declared: Option<u64>, limit: u64) -> bool {
    declared.is_some_and(|n| n > limit.saturating_add(MULTIPART_SLACK))
}

/// The expectation check the HTTP service runs before it says `100 Continue`.
pub async fn check(req: Request, limit: u64) -> Result<Request, Response<BoxBody>> {
    let declared =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    if !announced_too_large(declared, limit) {
        return Ok(req);
    }
    let target = crate::web::client::loggable_target(req.path(), "");
    tracing::info!(%target, declared, "expectation refused: body too large");
    let e = StorageError::TooLarge { limit };
    let body = serde_json::json!({ "error": { "code": e.code(), "message": e.message_zh() } });
    let resp = HttpResponse::PayloadTooLarge().insert_header((CONNECTION, "close")).json(body);
    Err(resp.into())
}
