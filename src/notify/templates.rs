//! The message templates: defaults compiled into the binary (`templates/notify/`), each of which
//! an admin may replace in the back-office. A message is rendered from the outbox row's payload
//! when it is sent, with the templates in force then.

use std::collections::HashMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;

use crate::entities::notification_template;

/// Our templates: one per outcome of a decision.
pub const TEMPLATES: &[(&str, &str)] =
    &[("decision.return", "退回修改"), ("decision.approve", "审核通过"), ("decision.reject", "审核不通过")];

/// The parts of a template, each edited on its own.
pub const PARTS: &[(&str, &str)] = &[
    ("sms", "短信"),
    ("email_subject", "邮件主题"),
    ("email_text", "邮件正文（纯文本）"),
    ("email_html", "邮件正文（HTML）"),
];

const DEFAULTS: &[(&str, &str)] = &[
    ("decision.return.sms", include_str!("../../templates/notify/decision.return.sms.txt")),
    (
        "decision.return.email_subject",
        include_str!("../../templates/notify/decision.return.email_subject.txt"),
    ),
    ("decision.return.email_text", include_str!("../../templates/notify/decision.return.email_text.txt")),
    ("decision.return.email_html", include_str!("../../templates/notify/decision.return.email_html.html")),
    ("decision.approve.sms", include_str!("../../templates/notify/decision.approve.sms.txt")),
    (
        "decision.approve.email_subject",
        include_str!("../../templates/notify/decision.approve.email_subject.txt"),
    ),
    ("decision.approve.email_text", include_str!("../../templates/notify/decision.approve.email_text.txt")),
    ("decision.approve.email_html", include_str!("../../templates/notify/decision.approve.email_html.html")),
    ("decision.reject.sms", include_str!("../../templates/notify/decision.reject.sms.txt")),
    (
        "decision.reject.email_subject",
        include_str!("../../templates/notify/decision.reject.email_subject.txt"),
    ),
    ("decision.reject.email_text", include_str!("../../templates/notify/decision.reject.email_text.txt")),
    ("decision.reject.email_html", include_str!("../../templates/notify/decision.reject.email_html.html")),
];

/// Characters a text may have to go out as at most two concatenated segments: a UCS-2 SMS holds
/// 70 characters alone, 67 each when split (the rest carries the joining header).
pub const SMS_MAX_CHARS: usize = 2 * 67;

pub fn default_source(key: &str) -> Option<&'static str> {
    DEFAULTS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

pub fn is_known(key: &str) -> bool {
    default_source(key).is_some()
}

/// Segments an SMS of this text takes (UCS-2 for Chinese).
pub fn sms_segments(text: &str) -> usize {
    let n = text.chars().count();
    if n <= 70 { 1 } else { n.div_ceil(67) }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {key}: {source}")]
    Render { key: String, source: minijinja::Error },
    #[error("no template {0}")]
    Unknown(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TemplateError {
    pub fn message_zh(&self) -> String {
        match self {
            Self::Render { source, .. } => {
                format!("模板有误：{}", source.detail().unwrap_or(&source.to_string()))
            }
            Self::Unknown(k) => format!("没有模板 {k}"),
            Self::Db(_) => "数据库暂时不可用，请稍后重试".into(),
        }
    }
}

/// The templates in force: the defaults with the admins' edits laid over them.
pub struct TemplateSet {
    sources: HashMap<String, String>,
}

/// Template instructions one render may spend (the defaults use a few hundred).
const TEMPLATE_FUEL: u64 = 100_000;

/// A rendered message for one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmsText(pub String);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailText {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl TemplateSet {
    pub fn defaults() -> Self {
        Self { sources: DEFAULTS.iter().map(|(k, s)| (k.to_string(), s.to_string())).collect() }
    }

    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut set = Self::defaults();
        for row in notification_template::Entity::find().all(db).await? {
            if is_known(&row.key) {
                set.sources.insert(row.key, row.source);
            }
        }
        Ok(set)
    }

    /// The same set with one source replaced (the admin's preview before saving).
    pub fn with(mut self, key: &str, source: &str) -> Self {
        self.sources.insert(key.to_string(), source.to_string());
        self
    }

    pub fn source(&self, key: &str) -> Option<&str> {
        self.sources.get(key).map(String::as_str)
    }

    /// Renders `template.part` against `ctx`. HTML parts are autoescaped, the others are text.
    pub fn render(&self, key: &str, ctx: &impl Serialize) -> Result<String, TemplateError> {
        let source = self.sources.get(key).ok_or_else(|| TemplateError::Unknown(key.into()))?;
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with("email_html") { AutoEscape::Html } else { AutoEscape::None }
        });
        env.set_keep_trailing_newline(false);
        // Admins write these: a loop of loops must end in an error, not hold a sender for ever.
        env.set_fuel(Some(TEMPLATE_FUEL));
        let err = |source| TemplateError::Render { key: key.to_string(), source };
        env.add_template_owned(key.to_string(), source.clone()).map_err(err)?;
        let out = env.get_template(key).map_err(err)?.render(ctx).map_err(err)?;
        Ok(out.trim().to_string())
    }

    pub fn sms(&self, template: &str, ctx: &impl Serialize) -> Result<SmsText, TemplateError> {
        // One line: a stray newline in an edited template would cost a character per line.
        let text = self.render(&format!("{template}.sms"), ctx)?;
        Ok(SmsText(text.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    pub fn email(&self, template: &str, ctx: &impl Serialize) -> Result<EmailText, TemplateError> {
        Ok(EmailText {
            subject: self.render(&format!("{template}.email_subject"), ctx)?.replace(['\r', '\n'], " "),
            text: self.render(&format!("{template}.email_text"), ctx)?,
            html: self.render(&format!("{template}.email_html"), ctx)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::context::{MessageContext, sample_payload};

    fn ctx(template: &str, documents: usize) -> MessageContext {
        let settings = crate::notify::NotifySettings::default();
        MessageContext::new(
            &sample_payload(template, documents),
            &settings,
            "https://ca.example.cn/o/AAAAAQAAAAAbbbbbbbbbbbbbbbb",
            "2026-12-15",
        )
    }

    #[test]
    fn every_default_renders_for_every_outcome() {
        let set = TemplateSet::defaults();
        for (t, _) in TEMPLATES {
            let c = ctx(t, 2);
            let sms = set.sms(t, &c).unwrap();
            assert!(sms.0.starts_with("【重庆CA】"), "{sms:?}");
            assert!(sms.0.contains("SD20261201"), "the order number is in the text: {sms:?}");
            let mail = set.email(t, &c).unwrap();
            assert!(mail.subject.contains("SD20261201"));
            assert!(mail.text.contains(&c.link), "{}", mail.text);
            // minijinja's HTML escaping writes `/` as `&#x2f;`, which a mail client reads back.
            assert!(mail.html.contains(&c.link.replace('/', "&#x2f;")), "{}", mail.html);
        }
    }

    #[test]
    fn default_texts_stay_within_two_segments_with_every_document_returned() {
        let set = TemplateSet::defaults();
        for (t, _) in TEMPLATES {
            let sms = set.sms(t, &ctx(t, 6)).unwrap();
            let n = sms.0.chars().count();
            assert!(n <= SMS_MAX_CHARS, "{t}: {n} characters: {}", sms.0);
            assert!(sms_segments(&sms.0) <= 2);
        }
    }

    #[test]
    fn the_html_part_escapes_what_the_reviewer_wrote() {
        let set = TemplateSet::defaults();
        let mut c = ctx("decision.return", 1);
        c.comment = "<script>alert(1)</script>".into();
        let mail = set.email("decision.return", &c).unwrap();
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail.text.contains("<script>"), "the text part is text");
    }

    #[test]
    fn a_template_that_would_run_for_ever_fails_at_once() {
        let set = TemplateSet::defaults().with(
            "decision.return.sms",
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        );
        let started = std::time::Instant::now();
        assert!(set.render("decision.return.sms", &ctx("decision.return", 1)).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn segments_count_as_carriers_count_them() {
        assert_eq!(sms_segments(&"字".repeat(70)), 1);
        assert_eq!(sms_segments(&"字".repeat(71)), 2);
        assert_eq!(sms_segments(&"字".repeat(134)), 2);
        assert_eq!(sms_segments(&"字".repeat(135)), 3);
    }
}
