//! Telling applicants: an outbox row per message and channel, written in the same transaction
//! as the decision that causes it (`outbox`); a job per row that renders the message from the
//! templates in force (`templates`, `context`), signs the link back to the order (`link`) and
//! hands it to the channel's transport (`transport`, `email`, `sms`), recording every attempt
//! (`deliver`). A decision never waits for, or fails with, a message.

pub mod config;
pub mod context;
pub mod deliver;
pub mod email;
pub mod link;
pub mod outbox;
pub mod sms;
pub mod templates;
pub mod transport;

use std::sync::Arc;

pub use config::NotifySettings;
pub use transport::{SendError, Transport};

use config::{EmailTransportKind, SmsProviderKind};

/// The two channels an applicant is told on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub const ALL: [Self; 2] = [Self::Sms, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Sms => "短信",
            Self::Email => "邮件",
        }
    }
}

/// HMAC-SHA256 keyed with `key`: the links' tags and Alibaba's request signatures.
pub(crate) fn hmac_sha256(key: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::KeyInit;
    // HMAC takes a key of any length, so this cannot fail.
    hmac::Hmac::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// `139****7460`, `z***@example.com`: what logs and staff lists show of a recipient.
pub fn mask_recipient(to: &str) -> String {
    if let Ok(m) = crate::domain::Mobile::parse(to) {
        return m.masked();
    }
    if let Ok(e) = crate::domain::Email::parse(to) {
        return e.to_string();
    }
    "***".into()
}

/// A message's text fit for a log: an applicant link's token (`/o/<token>`) and any 4–8 digit
/// run (a one-time code) are replaced. Longer digit runs (order numbers) stay.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/o/") {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '~')))
                .unwrap_or(after.len());
            out.push_str("/o/…");
            rest = &after[end..];
            continue;
        }
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits > 0 {
            if (4..=8).contains(&digits) {
                out.push_str(&"*".repeat(digits));
            } else {
                out.push_str(&rest[..digits]);
            }
            rest = &rest[digits..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
#[test]
fn log_text_keeps_no_link_and_no_code() {
    let t = "【重庆CA】验证码 482913，订单 202612030001234 请打开 https://ca.example/o/AbC.9_x-y/print 查看";
    let r = redact_text(t);
    assert!(!r.contains("482913") && !r.contains("AbC.9_x-y"), "{r}");
    assert!(r.contains("202612030001234") && r.contains("/o/…/print") && r.contains("******"), "{r}");
}

/// The configured transport of each channel.
#[derive(Clone)]
pub struct Transports {
    pub sms: Arc<dyn Transport>,
    pub email: Arc<dyn Transport>,
}

impl Transports {
    pub fn from_settings(s: &NotifySettings) -> Result<Self, String> {
        let sms: Arc<dyn Transport> = match s.sms.provider {
            SmsProviderKind::Log => Arc::new(transport::LogSink { channel: "sms" }),
            SmsProviderKind::Webhook => Arc::new(sms::webhook::Webhook::new(
                s.sms.webhook_url.as_deref().unwrap_or_default(),
                s.sms.webhook_token.clone(),
                s.sms.timeout_secs,
            )?),
            SmsProviderKind::Aliyun => Arc::new(sms::aliyun::Aliyun::new(&s.sms)?),
        };
        let email: Arc<dyn Transport> = match s.email.transport {
            EmailTransportKind::Log => Arc::new(transport::LogSink { channel: "email" }),
            EmailTransportKind::Smtp => Arc::new(email::Smtp::new(&s.email)?),
        };
        Ok(Self { sms, email })
    }

    pub fn get(&self, channel: Channel) -> &Arc<dyn Transport> {
        match channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_masked_for_logs() {
        assert_eq!(mask_recipient("13912347460"), "139****7460");
        assert!(!mask_recipient("zhangsan@example.com").contains("zhangsan"));
        assert_eq!(mask_recipient("garbage"), "***");
    }
}
