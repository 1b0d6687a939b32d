//! Errors as the browser sees them: a page in Chinese with the stable code, or a redirect to
//! the login page; never a stack trace. Unexpected errors are logged with their cause.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};

use crate::auth::AuthError;
use crate::review::ReviewError;
use crate::review::claim::ClaimError;
use crate::review::decide::DecideError;
use crate::review::reveal::RevealError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("login required")]
    LoginRequired { next: String },
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Claim(#[from] ClaimError),
    #[error(transparent)]
    Decide(#[from] DecideError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Reveal(#[from] RevealError),
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WebError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        Self::Unexpected(e.into())
    }
}

impl WebError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::LoginRequired { .. } => "auth.not_logged_in",
            Self::Auth(e) => e.code(),
            Self::Claim(e) => e.code(),
            Self::Decide(e) => e.code(),
            Self::Review(e) => e.code(),
            Self::Reveal(e) => e.code(),
            Self::NotFound => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::Unexpected(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::LoginRequired { .. } => "请先登录".into(),
            Self::Auth(e) => e.message_zh(),
            Self::Claim(e) => e.message_zh(),
            Self::Decide(e) => e.message_zh(),
            Self::Review(e) => e.message_zh(),
            Self::Reveal(e) => e.message_zh(),
            Self::NotFound => "页面或记录不存在".into(),
            Self::BadRequest(_) => "请求格式不正确".into(),
            Self::Unexpected(_) => "系统内部错误，请稍后重试".into(),
        }
    }
}

fn internal(code: &str) -> bool {
    code == "internal"
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired { .. } => StatusCode::SEE_OTHER,
            Self::Auth(AuthError::NotLoggedIn | AuthError::BadCredentials) => StatusCode::UNAUTHORIZED,
            Self::Auth(AuthError::Forbidden { .. } | AuthError::Csrf) => StatusCode::FORBIDDEN,
            Self::Auth(AuthError::Throttled) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound | Self::Review(ReviewError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::Claim(ClaimError::Review(ReviewError::NotFound(_))) => StatusCode::NOT_FOUND,
            Self::Claim(ClaimError::NotAssignee) | Self::Decide(DecideError::NotAssignee) => {
                StatusCode::FORBIDDEN
            }
            Self::Claim(_) | Self::Review(ReviewError::Conflict(_) | ReviewError::Transition(_)) => {
                StatusCode::CONFLICT
            }
            Self::Decide(DecideError::NotInReview | DecideError::Review(ReviewError::Conflict(_))) => {
                StatusCode::CONFLICT
            }
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Reveal(RevealError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::Reveal(RevealError::Draft | RevealError::NotHeld) => StatusCode::FORBIDDEN,
            Self::Reveal(RevealError::ReasonRequired) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Reveal(RevealError::Limited { .. }) => StatusCode::TOO_MANY_REQUESTS,
            Self::Decide(e) if !internal(e.code()) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::LoginRequired { next } = self {
            let target = format!("/login?next={}", percent_encode(next));
            return HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish();
        }
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let body = error_page(status, self.code(), &self.message_zh());
        HttpResponse::build(status).content_type(ContentType::html()).body(body)
    }
}

/// A self-contained error page (no template: it must render even when templates cannot).
pub fn error_page(status: StatusCode, code: &str, message: &str) -> String {
    let esc =
        |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><header><a href=\"/\">sealdesk</a></header>\
         <main><div class=\"error-box\"><h1>{msg}</h1><p>错误代码 <code>{code}</code> · HTTP {num}</p>\
         <p><a href=\"javascript:history.back()\">返回上一页</a> · <a href=\"/queue\">审核队列</a></p></div></main></body></html>",
        status = status.as_u16(),
        num = status.as_u16(),
        msg = esc(message),
        code = esc(code),
    )
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
