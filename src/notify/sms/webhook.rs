//! A generic SMS webhook: `POST <url>` with `{"to", "text", "template", "params",
//! "idempotency_key"}` as JSON, the key also in an `Idempotency-Key` header, and
//! `Authorization: Bearer <token>` when one is configured. Any 2xx is accepted; a JSON body's
//! `id` is kept as the receipt. The gateway is expected to honour the key (send once per key),
//! which is what makes a resend after a crash safe.

use secrecy::{ExposeSecret, SecretString};

use crate::notify::transport::{Body, Outgoing, Receipt, SendError, Transport};

pub struct Webhook {
    client: reqwest::Client,
    url: String,
    token: Option<SecretString>,
}

impl Webhook {
    pub fn new(url: &str, token: Option<SecretString>, timeout_secs: u64) -> Result<Self, String> {
        Ok(Self { client: super::http_client(timeout_secs)?, url: url.to_string(), token })
    }
}

#[async_trait::async_trait]
impl Transport for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn idempotent(&self) -> bool {
        true
    }

    async fn send(&self, msg: &Outgoing<'_>) -> Result<Receipt, SendError> {
        let Body::Sms { text, params } = &msg.body else {
            return Err(SendError::permanent("not an SMS"));
        };
        let body = serde_json::json!({
            "to": msg.to, "text": text.0, "template": msg.template, "params": params,
            "idempotency_key": msg.idempotency_key,
        });
        let mut req = self.client.post(&self.url).header("Idempotency-Key", msg.idempotency_key).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose_secret());
        }
        let resp = req.send().await.map_err(|e| SendError::retry(format!("webhook: {e}")))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(super::status_error("webhook", status, &text));
        }
        let id = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("id").map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string)));
        Ok(Receipt { provider_ref: id })
    }
}
