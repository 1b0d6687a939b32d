//! Configuration: defaults in code → optional `sealdesk.toml` → `DATABASE_URL` →
//! `SEALDESK__SECTION__KEY` environment variables. Unknown keys are errors, not silently ignored.
//! Every threshold carries its unit in its name.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

impl ConfigError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "config.invalid",
            Self::File { .. } => "config.file",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub storage: StorageSettings,
    pub jobs: JobSettings,
    pub log: LogSettings,
    /// Thresholds of the automated image checks.
    pub checks: crate::pipeline::PipelineConfig,
    pub ocr: OcrSettings,
    pub auth: AuthSettings,
    pub review: ReviewSettings,
    /// SMS and e-mail to applicants.
    pub notify: crate::notify::NotifySettings,
    /// The applicant pages.
    pub intake: crate::intake::IntakeSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// A session unused for this long is over.
    pub session_idle_mins: u64,
    /// A session is over this long after login, however busy.
    pub session_max_hours: u64,
    /// Failed logins for one username (within the window, since its last success) before each
    /// further try must wait (see `login_delay_*`).
    pub max_failed_logins: u64,
    /// Failed logins from one address within the window before it is refused.
    pub max_failed_logins_per_ip: u64,
    pub failed_login_window_mins: u64,
    /// The wait after the first failure past `max_failed_logins`; it doubles with each further
    /// failure, up to `login_delay_max_secs`.
    pub login_delay_base_secs: u64,
    pub login_delay_max_secs: u64,
    /// `Secure` on the session cookie: unset means when the request came over HTTPS (directly
    /// or as told by a proxy's `X-Forwarded-Proto`).
    pub cookie_secure: Option<bool>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_mins: 60,
            session_max_hours: 12,
            max_failed_logins: 5,
            max_failed_logins_per_ip: 30,
            failed_login_window_mins: 15,
            login_delay_base_secs: 2,
            login_delay_max_secs: 60,
            cookie_secure: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewSettings {
    /// Working days (China's calendar, holidays and make-up days included) a case may wait.
    pub sla_working_days: u32,
    /// Working days a resubmitted case may wait, counted from when it is back in the queue.
    pub resubmission_sla_working_days: u32,
    /// A claim with no action by its assignee for this long lapses; the case is free again.
    pub claim_idle_mins: u64,
    /// Rows per queue page.
    pub queue_page_size: u64,
    /// Reveals of an applicant's full ID numbers and mobile one staff member may make per hour.
    pub max_reveals_per_hour: u32,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            sla_working_days: 2,
            resubmission_sla_working_days: 1,
            claim_idle_mins: 30,
            queue_page_size: 50,
            max_reveals_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OcrSettings {
    /// Tesseract language data (`eng`, `chi_sim`); unset means Debian's tesseract-ocr-* packages.
    pub tessdata_dir: Option<PathBuf>,
    /// A page's whole check (image checks and number reading) is abandoned and retried after
    /// this long.
    pub page_timeout_secs: u64,
}

impl Default for OcrSettings {
    fn default() -> Self {
        Self { tessdata_dir: None, page_timeout_secs: 120 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address the web server listens on.
    pub bind: String,
    /// HTTP worker threads (actix); CPU-heavy work runs elsewhere.
    pub http_workers: usize,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` is believed for the
    /// client's address (throttling, rate limits, logs). Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Memory (MiB) this process lets image decoding and checking take at once, shared by the
    /// intake inspection, the page checks and staff TIFF viewing (see `memory`).
    pub decode_memory_mib: u32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            http_workers: 2,
            trusted_proxies: Vec::new(),
            decode_memory_mib: 384,
        }
    }
}

impl ServerSettings {
    pub fn trusted_proxy_blocks(&self) -> Result<Vec<crate::web::client::IpBlock>, String> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                crate::web::client::IpBlock::parse(s).map_err(|e| format!("server.trusted_proxies: {e}"))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://…`; unset means SQLite at `<data_dir>/sealdesk.db`.
    #[serde(serialize_with = "redact_url")]
    pub url: Option<SecretString>,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { url: None, max_connections: 10, connect_timeout_secs: 10 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// Holds the SQLite database (by default) and `blobs/`.
    pub data_dir: PathBuf,
    /// A blob no document references is deleted once this long has passed since it was last
    /// stored (refused uploads, abandoned ones): long enough for any upload in flight to be
    /// recorded.
    pub orphan_grace_mins: u64,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self { data_dir: PathBuf::from("./data"), orphan_grace_mins: 60 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// Concurrent job runners in each `serve` process.
    pub workers: usize,
    /// How long an idle runner sleeps before looking for work again.
    pub poll_interval_ms: u64,
    /// A claimed job is the runner's for this long; heartbeats extend it.
    pub lease_secs: u64,
    pub heartbeat_secs: u64,
    /// Attempts before a job is dead (kept, visible, not retried).
    pub max_attempts: i32,
    /// Retry delay is `backoff_base_secs * 2^(attempt-1)`, capped at `backoff_max_secs`.
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    /// On shutdown, running jobs get this long to finish before they are released.
    pub shutdown_grace_secs: u64,
    /// Pages checked at once per process: one OCR engine thread each, started with the process.
    pub check_concurrency: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            poll_interval_ms: 500,
            lease_secs: 60,
            heartbeat_secs: 15,
            max_attempts: 5,
            backoff_base_secs: 5,
            backoff_max_secs: 600,
            shutdown_grace_secs: 20,
            check_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// tracing `EnvFilter` directives; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: LogFormat::Pretty, filter: "info,sqlx=warn,sea_orm=warn".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

fn redact_url<S: Serializer>(url: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => s.serialize_str(&redacted_url(url.expose_secret())),
        None => s.serialize_none(),
    }
}

/// `postgres://sealdesk:[redacted]@db:5432/sealdesk`: keeps what helps debugging, hides the password.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[redacted]".into();
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let mut out = match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:[redacted]@{host}")
        }
        None => format!("{scheme}://{rest}"),
    };
    if let Some(q) = query {
        // A secret may ride in the query (`?password=…`, a webhook's `?token=…`).
        let secret = |k: &str| {
            let k = k.to_ascii_lowercase();
            ["pass", "pwd", "secret", "token", "key", "sig", "auth", "credential"]
                .iter()
                .any(|w| k.contains(w))
        };
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if secret(k) => format!("{k}=[redacted]"),
                _ => kv.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    out
}

/// Serialises an optional URL with its credentials redacted (`sealdesk config`).
pub fn redact_plain_url<S: Serializer>(url: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(u) => s.serialize_str(&redacted_url(u)),
        None => s.serialize_none(),
    }
}

/// What the command line may override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Loads the layered configuration. `file` is an explicit path (must exist); without it,
    /// `./sealdesk.toml` is read when present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => {
                std::fs::metadata(path).map_err(|source| ConfigError::File { path: path.into(), source })?;
                figment = figment.merge(Toml::file_exact(path));
            }
            None => figment = figment.merge(Toml::file("sealdesk.toml")),
        }
        figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database.url".into()))
            .merge(Env::prefixed("SEALDESK__").split("__"));
        if let Some(bind) = &overrides.bind {
            figment = figment.merge(Serialized::default("server.bind", bind));
        }
        if let Some(dir) = &overrides.data_dir {
            figment = figment.merge(Serialized::default("storage.data_dir", dir));
        }
        let mut settings: Settings =
            figment.extract().map_err(|e| ConfigError::Invalid(e.to_string().replace('\n', "; ")))?;
        settings.notify.read_secret_files().map_err(ConfigError::Invalid)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.server.bind.parse::<SocketAddr>().is_err() {
            return bad(format!("server.bind {:?} is not an address like 127.0.0.1:8080", self.server.bind));
        }
        if let Some(url) = &self.database.url {
            let url = url.expose_secret();
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return bad(format!(
                    "database.url {} is not a sqlite: or postgres:// URL",
                    redacted_url(url)
                ));
            }
        }
        if self.jobs.heartbeat_secs == 0 || self.jobs.heartbeat_secs >= self.jobs.lease_secs {
            return bad("jobs.heartbeat_secs must be above 0 and below jobs.lease_secs".into());
        }
        if self.jobs.max_attempts < 1
            || self.jobs.workers == 0
            || self.server.http_workers == 0
            || self.jobs.check_concurrency == 0
        {
            return bad(
                "jobs.max_attempts, jobs.workers, jobs.check_concurrency and server.http_workers must be at least 1".into(),
            );
        }
        if self.auth.session_idle_mins == 0
            || self.auth.max_failed_logins == 0
            || self.review.queue_page_size == 0
        {
            return bad(
                "auth.session_idle_mins, auth.max_failed_logins and review.queue_page_size must be at least 1"
                    .into(),
            );
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections must be at least 1".into());
        }
        self.server.trusted_proxy_blocks().map_err(ConfigError::Invalid)?;
        self.intake.validate().map_err(ConfigError::Invalid)?;
        self.notify.validate().map_err(ConfigError::Invalid)
    }

    pub fn bind_addr(&self) -> SocketAddr {
        // Checked in `validate`.
        self.server.bind.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.storage.data_dir.join("blobs")
    }

    /// The effective database URL (SQLite in the data dir unless one was configured).
    pub fn database_url(&self) -> SecretString {
        match &self.database.url {
            Some(url) => url.clone(),
            None => {
                let path = self.storage.data_dir.join("sealdesk.db");
                SecretString::from(format!("sqlite://{}?mode=rwc", path.display()))
            }
        }
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot render configuration: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let mut s = Settings::default();
        s.database.url = Some(SecretString::from("postgres://ca:hunter2@db:5432/sealdesk"));
        let shown = s.to_redacted_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://ca:[redacted]@db:5432/sealdesk"), "{shown}");
        assert!(!format!("{s:?}").contains("hunter2"));
        s.database.url =
            Some(SecretString::from("postgres://db:5432/sealdesk?user=ca&password=hunter2&sslmode=require"));
        s.notify.sms.webhook_url = Some("https://bot:s3cret@sms.example/send?access_token=t0ken&x=1".into());
        let shown = s.to_redacted_toml();
        for secret in ["hunter2", "s3cret", "t0ken"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("sslmode=require") && shown.contains("x=1"), "{shown}");
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let s = Settings::default();
        assert_eq!(s.database_url().expose_secret(), "sqlite://./data/sealdesk.db?mode=rwc");
    }
}
