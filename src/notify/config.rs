//! `[notify]`: how applicants are told. The embedded default sends nothing anywhere: both
//! channels go to the log sink (the message is kept in the database and written to the log), so
//! a demo or a test never reaches a real gateway by accident.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    /// Where applicants reach sealdesk; links in messages start with it.
    pub public_base_url: String,
    /// Key of the applicant links' signatures. Unset: one is made at first use and kept in the
    /// database, so every node signs and checks alike.
    #[serde(serialize_with = "redact")]
    pub link_secret: Option<SecretString>,
    /// A file holding the key (first line), for secrets mounted by the deployment; read at
    /// start-up when `link_secret` is not set.
    pub link_secret_file: Option<std::path::PathBuf>,
    /// Keys of links already sent, still accepted (never used to sign): set the old key here and
    /// a new `link_secret` to rotate without breaking the links applicants hold.
    #[serde(serialize_with = "redact_all")]
    pub link_previous_secrets: Vec<SecretString>,
    /// How long a link in a message opens the order.
    pub link_valid_days: u32,
    /// Failed deliveries of one message before it is dead-lettered for a supervisor.
    pub max_attempts: i32,
    /// Messages per application and channel in any hour; more wait for the hour to pass.
    pub max_per_application_per_hour: u32,
    /// Named in the approval message: production time after payment.
    pub production_working_days: u32,
    pub email: EmailSettings,
    pub sms: SmsSettings,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            public_base_url: "http://127.0.0.1:8080".into(),
            link_secret: None,
            link_secret_file: None,
            link_previous_secrets: Vec::new(),
            link_valid_days: 14,
            max_attempts: 6,
            max_per_application_per_hour: 6,
            production_working_days: 2,
            email: EmailSettings::default(),
            sms: SmsSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransportKind {
    /// Kept in the database and the log only.
    Log,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS at all: only for a relay on the same host or in tests.
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSettings {
    pub transport: EmailTransportKind,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "redact")]
    pub smtp_password: Option<SecretString>,
    /// `Name <address>`; the display name may be Chinese.
    pub from: String,
    pub timeout_secs: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            transport: EmailTransportKind::Log,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            from: "数字证书审核 <noreply@localhost>".into(),
            timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Kept in the database and the log only.
    Log,
    /// POST of JSON to `webhook_url` with an `Idempotency-Key` header.
    Webhook,
    /// Alibaba Cloud SMS (`SendSms`, signature V3).
    Aliyun,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsSettings {
    pub provider: SmsProviderKind,
    /// The signature in 【】 that opens every text (carriers require one).
    pub sign_name: String,
    pub timeout_secs: u64,
    #[serde(serialize_with = "crate::config::redact_plain_url")]
    pub webhook_url: Option<String>,
    /// Sent as `Authorization: Bearer …` when set.
    #[serde(serialize_with = "redact")]
    pub webhook_token: Option<SecretString>,
    pub aliyun_endpoint: String,
    pub aliyun_access_key_id: Option<String>,
    #[serde(serialize_with = "redact")]
    pub aliyun_access_key_secret: Option<SecretString>,
    /// Alibaba's template code for each of our templates (`decision.return` = `SMS_…`): on
    /// Alibaba the text is the template registered there, filled with `order`, `docs`, `link`.
    pub aliyun_templates: BTreeMap<String, String>,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            provider: SmsProviderKind::Log,
            sign_name: "重庆CA".into(),
            timeout_secs: 15,
            webhook_url: None,
            webhook_token: None,
            aliyun_endpoint: "https://dysmsapi.aliyuncs.com/".into(),
            aliyun_access_key_id: None,
            aliyun_access_key_secret: None,
            aliyun_templates: BTreeMap::new(),
        }
    }
}

fn redact<S: Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => s.serialize_str("[redacted]"),
        None => s.serialize_none(),
    }
}

fn redact_all<S: Serializer>(secrets: &[SecretString], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(secrets.iter().map(|_| "[redacted]"))
}

impl NotifySettings {
    /// Reads `link_secret_file` into `link_secret` (unless that is set already).
    pub fn read_secret_files(&mut self) -> Result<(), String> {
        if let (None, Some(path)) = (&self.link_secret, &self.link_secret_file) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("notify.link_secret_file {}: {e}", path.display()))?;
            let key = text.lines().next().unwrap_or("").trim().to_string();
            if key.len() < 16 {
                return Err(format!(
                    "notify.link_secret_file {}: the key must be at least 16 characters",
                    path.display()
                ));
            }
            self.link_secret = Some(SecretString::from(key));
        }
        Ok(())
    }

    /// What `Settings::validate` checks of this section.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.public_base_url.starts_with("http://") || self.public_base_url.starts_with("https://")) {
            return Err("notify.public_base_url must start with http:// or https://".into());
        }
        if self.max_attempts < 1 || self.link_valid_days == 0 || self.max_per_application_per_hour == 0 {
            return Err(
                "notify.max_attempts, notify.link_valid_days and notify.max_per_application_per_hour must be at least 1"
                    .into(),
            );
        }
        match self.sms.provider {
            SmsProviderKind::Webhook if self.sms.webhook_url.is_none() => {
                return Err("notify.sms.provider = \"webhook\" needs notify.sms.webhook_url".into());
            }
            SmsProviderKind::Aliyun
                if self.sms.aliyun_access_key_id.is_none() || self.sms.aliyun_access_key_secret.is_none() =>
            {
                return Err(
                    "notify.sms.provider = \"aliyun\" needs notify.sms.aliyun_access_key_id and _secret"
                        .into(),
                );
            }
            _ => {}
        }
        if self.email.transport == EmailTransportKind::Smtp {
            crate::notify::email::parse_mailbox(&self.email.from)
                .map_err(|e| format!("notify.email.from {:?}: {e}", self.email.from))?;
        }
        Ok(())
    }
}
