//! E-mail over SMTP with lettre: STARTTLS, implicit TLS or (for a local relay) none, with
//! authentication when configured; multipart/alternative with a text and an HTML part.
//! The Message-ID is derived from the outbox row, so a resend after a crash carries the same
//! one and a receiving system can drop the copy.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::config::{EmailSettings, SmtpTls};
use super::transport::{Body, Outgoing, Receipt, SendError, Transport};

pub fn parse_mailbox(s: &str) -> Result<Mailbox, String> {
    s.parse::<Mailbox>().map_err(|e| e.to_string())
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(s: &EmailSettings) -> Result<Self, String> {
        let builder = match s.smtp_tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.smtp_host)
                .map_err(|e| format!("SMTP {}: {e}", s.smtp_host))?,
            SmtpTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.smtp_host)
                .map_err(|e| format!("SMTP {}: {e}", s.smtp_host))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host),
        };
        let mut builder = builder.port(s.smtp_port).timeout(Some(Duration::from_secs(s.timeout_secs)));
        if let (Some(user), Some(pass)) = (&s.smtp_username, &s.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose_secret().to_string()));
        }
        Ok(Self { transport: builder.build(), from: parse_mailbox(&s.from)? })
    }
}

#[async_trait::async_trait]
impl Transport for Smtp {
    fn name(&self) -> &'static str {
        "smtp"
    }

    fn idempotent(&self) -> bool {
        false
    }

    async fn send(&self, msg: &Outgoing<'_>) -> Result<Receipt, SendError> {
        let Body::Email { mail, message_id } = &msg.body else {
            return Err(SendError::permanent("not an e-mail"));
        };
        let to: Mailbox = msg.to.parse().map_err(|e| SendError::permanent(format!("recipient: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id.to_string()))
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| SendError::permanent(format!("building the message: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(Receipt { provider_ref: Some(message_id.to_string()) }),
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!("SMTP refused: {e}"))),
            Err(e) => Err(SendError::retry(format!("SMTP: {e}"))),
        }
    }
}
