//! What a channel's transport is to the deliverer: something that takes one rendered message
//! and either accepts it (with the receipt it gave) or says why not.

use super::templates::{EmailText, SmsText};

/// One message ready to go.
pub struct Outgoing<'a> {
    /// The mobile number or e-mail address, unmasked: transports only.
    pub to: &'a str,
    /// Stable across every attempt of this message, so a gateway that honours it sends once.
    pub idempotency_key: &'a str,
    /// Our template (`decision.return`), for gateways that keep their own copies of the text.
    pub template: &'a str,
    pub body: Body<'a>,
}

pub enum Body<'a> {
    Sms { text: &'a SmsText, params: &'a serde_json::Value },
    Email { mail: &'a EmailText, message_id: &'a str },
}

#[derive(Debug, Clone, Default)]
pub struct Receipt {
    /// The transport's id for the message (SMTP Message-ID, the SMS gateway's BizId).
    pub provider_ref: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// No later attempt can succeed (an address the server refuses, a bad configuration).
    pub permanent: bool,
}

impl SendError {
    pub fn retry(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: true }
    }
}

#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Stored with the message (`log`, `smtp`, `webhook`, `aliyun`).
    fn name(&self) -> &'static str;

    /// Whether sending the same idempotency key twice delivers once. Where it does not, a
    /// sender that died mid-send leaves the message's fate unknown, and the deliverer allows
    /// itself at most one such resend.
    fn idempotent(&self) -> bool;

    async fn send(&self, msg: &Outgoing<'_>) -> Result<Receipt, SendError>;
}

/// The embedded default: the message is kept in the database (by the deliverer) and written to
/// the log with the recipient masked and its link and codes redacted (the whole text stays with the
/// message in the database). Re-sending writes one more log line, so it counts as
/// idempotent.
pub struct LogSink {
    pub channel: &'static str,
}

#[async_trait::async_trait]
impl Transport for LogSink {
    fn name(&self) -> &'static str {
        "log"
    }

    fn idempotent(&self) -> bool {
        true
    }

    async fn send(&self, msg: &Outgoing<'_>) -> Result<Receipt, SendError> {
        let to = super::mask_recipient(msg.to);
        match &msg.body {
            Body::Sms { text, .. } => {
                let text = super::redact_text(&text.0);
                tracing::info!(channel = self.channel, %to, %text, "message (log sink)")
            }
            Body::Email { mail, .. } => {
                tracing::info!(channel = self.channel, %to, subject = %mail.subject, "message (log sink)")
            }
        }
        Ok(Receipt { provider_ref: Some(format!("log:{}", msg.idempotency_key)) })
    }
}
