//! SMS gateways: the log sink (embedded default), a generic JSON webhook, Alibaba Cloud SMS.

pub mod aliyun;
pub mod webhook;

use std::time::Duration;

/// An HTTP client for gateways: rustls, the gateway's own timeout, no redirects (a gateway that
/// redirects a signed request is misconfigured, not to be followed).
pub(crate) fn http_client(timeout_secs: u64) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sealdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// How an HTTP gateway's failure is retried: its 4xx answers (but 408 and 429) are final.
pub(crate) fn status_error(provider: &str, status: reqwest::StatusCode, body: &str) -> super::SendError {
    let msg = format!("{provider}: HTTP {status}: {}", body.chars().take(300).collect::<String>());
    let retryable = status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT;
    if retryable { super::SendError::retry(msg) } else { super::SendError::permanent(msg) }
}
