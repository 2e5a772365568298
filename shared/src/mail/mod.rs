//! Outgoing email. Real SMTP through lettre when configured; otherwise the message's envelope
//! (never its body, which may carry a code or health text) is written to the log.

pub mod account;
pub mod alert;
pub mod prompt;

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{MailConfig, SmtpTls};

/// One email ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Used by the log transport and as a `X-Aftercare-Kind` header, e.g. `invitation`.
    pub kind: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address: {0}")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(String),
    /// The server refused the recipient's address permanently, and said so with an enhanced
    /// status code of the addressing class, `5.1.x` (RFC 3463 §3.2; not `5.1.7`/`5.1.8`, which
    /// are about our own sender address, nor the vague `5.1.0`): no such mailbox, bad syntax,
    /// no such domain, moved.
    /// Retrying will not help; the address needs correcting. A bare 550 without that code may
    /// just as well be our relay refusing us (`550 5.7.1 Relaying denied`) and stays
    /// [`MailError::Permanent`].
    #[error("recipient refused: {0}")]
    RecipientRefused(String),
    /// The server refused this message permanently for another reason (another 5xx, e.g. to
    /// RCPT without an addressing code, or `554 transaction failed`).
    #[error("rejected: {0}")]
    Permanent(String),
    /// The service's own SMTP settings do not work, whatever the address: the server refused
    /// our authentication (530, 534, 535, 538; RFC 4954 §6), the TLS handshake failed, or the
    /// mailer cannot talk to the server as configured (lettre's client errors, e.g. no
    /// authentication mechanism in common). The operator's to fix; worth retrying after that.
    #[error("SMTP settings refused: {0}")]
    Setup(String),
    /// Network failure, a timeout or a 4xx: worth retrying later.
    #[error("temporary failure: {0}")]
    Transient(String),
}

/// What the sender of a refused message is told (`errors[].message` on the `email` field): the
/// console translates each (`api/src/console/field_messages.rs`).
pub mod refusal {
    /// [`super::MailError::RecipientRefused`].
    pub const RECIPIENT: &str = "the recipient's mail server refuses this email address; \
         check the address on the account for typos";
    /// [`super::MailError::Permanent`].
    pub const PERMANENT: &str = "the mail server refused for good to send to this address: \
         check it for typos (if it is right, the service's mail settings need checking)";
    /// [`super::MailError::Address`].
    pub const ADDRESS: &str = "is not an address the mailer can send to: correct it";
}

#[derive(Clone)]
enum Transport {
    Log,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Cheap to clone; clones share the SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.transport {
            Transport::Log => "log",
            Transport::Smtp(_) => "smtp",
        };
        f.debug_struct("Mailer").field("transport", &kind).finish()
    }
}

impl Mailer {
    pub fn from_config(cfg: &MailConfig) -> Result<Self, MailError> {
        let transport = match &cfg.smtp {
            None => Transport::Log,
            Some(smtp) => {
                let mut builder = match smtp.tls {
                    SmtpTls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    }
                    SmtpTls::StartTls | SmtpTls::Tls => {
                        let params = TlsParameters::new(smtp.host.clone())
                            .map_err(|e| MailError::Build(e.to_string()))?;
                        let tls = if smtp.tls == SmtpTls::Tls {
                            Tls::Wrapper(params)
                        } else {
                            Tls::Required(params)
                        };
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).tls(tls)
                    }
                };
                builder = builder
                    .port(smtp.port)
                    .timeout(Some(std::time::Duration::from_secs(20)));
                if let (Some(user), Some(pass)) = (&smtp.username, &smtp.password) {
                    builder =
                        builder.credentials(Credentials::new(user.clone(), pass.expose().clone()));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self {
            transport,
            from: cfg.from.clone(),
        })
    }

    /// A mailer that only logs (tests and development).
    pub fn log_only(from: Mailbox) -> Self {
        Self {
            transport: Transport::Log,
            from,
        }
    }

    pub fn is_smtp(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }

    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        self.deliver(email, None).await
    }

    /// Sends `email` with the `Message-ID` `<{id_left}@{domain of AFTERCARE_MAIL_FROM}>`
    /// (RFC 5322 §3.6.4) instead of a random one, so sending it again is recognisably the same
    /// message. `id_left` is a dot-atom such as [`alert::clinic_alert_message_id`] gives.
    pub async fn send_with_message_id(
        &self,
        email: &OutgoingEmail,
        id_left: &str,
    ) -> Result<(), MailError> {
        let id = format!("<{id_left}@{}>", self.from.email.domain());
        self.deliver(email, Some(id)).await
    }

    async fn deliver(
        &self,
        email: &OutgoingEmail,
        message_id: Option<String>,
    ) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(e.to_string()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone());
        if message_id.is_some() {
            builder = builder.message_id(message_id);
        }
        let message = builder
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Log => {
                tracing::info!(
                    kind = email.kind,
                    "email not sent: no SMTP server configured (log transport)"
                );
                Ok(())
            }
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                let reply = std::error::Error::source(&e).map(ToString::to_string);
                let auth = e
                    .status()
                    .is_some_and(|c| matches!(u16::from(c), 530 | 534 | 535 | 538));
                if auth || e.is_client() || e.is_tls() {
                    MailError::Setup(e.to_string())
                } else if e.is_permanent() && reply.as_deref().is_some_and(refuses_the_address) {
                    MailError::RecipientRefused(e.to_string())
                } else if e.is_permanent() {
                    MailError::Permanent(e.to_string())
                } else {
                    MailError::Transient(e.to_string())
                }
            }),
        }
    }
}

impl MailError {
    /// Whether sending the same message again later may succeed (a network failure, a timeout,
    /// a 4xx reply): only [`MailError::Transient`].
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }

    /// What to tell whoever gave the address when the mailer will never send to it as it is (the
    /// [`refusal`] messages); `None` for a transient failure, and for a message the service
    /// failed to build (its own fault, not the address's).
    pub fn refusal(&self) -> Option<&'static str> {
        match self {
            MailError::RecipientRefused(_) => Some(refusal::RECIPIENT),
            MailError::Permanent(_) => Some(refusal::PERMANENT),
            MailError::Address(_) => Some(refusal::ADDRESS),
            MailError::Build(_) | MailError::Transient(_) | MailError::Setup(_) => None,
        }
    }

    /// A short, fixed name for the log (`address`, `build`, `recipient_refused`, `permanent`,
    /// `setup`, `transient`): the error's text may quote the recipient's address, which is not
    /// logged.
    pub fn class(&self) -> &'static str {
        match self {
            MailError::Address(_) => "address",
            MailError::Build(_) => "build",
            MailError::RecipientRefused(_) => "recipient_refused",
            MailError::Permanent(_) => "permanent",
            MailError::Setup(_) => "setup",
            MailError::Transient(_) => "transient",
        }
    }
}

/// Whether an SMTP reply's text starts with a permanent enhanced status code about the
/// destination address (RFC 3463 §3.2, `5.1.x`), other than the two about the sender's own
/// address (`5.1.7` bad sender's mailbox syntax, `5.1.8` bad sender's system address) and the
/// vague `5.1.0` ("other address status"), which servers also use to refuse our sender
/// (`550 5.1.0 <from>: Sender address rejected`).
/// Each line of a multi-line reply carries the code, so the first is enough.
fn refuses_the_address(reply: &str) -> bool {
    let Some(code) = reply.split_whitespace().next() else {
        return false;
    };
    let mut parts = code.split('.');
    let (Some(class), Some(subject), Some(detail), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let is_number = |s: &str| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    class == "5" && subject == "1" && is_number(detail) && !matches!(detail, "0" | "7" | "8")
}

#[cfg(test)]
mod tests {
    use super::refuses_the_address;

    #[test]
    fn only_addressing_codes_blame_the_address() {
        for reply in [
            "5.1.1 <ana@example.test>: Recipient address rejected: User unknown",
            "5.1.2 Bad destination system address",
            "5.1.3 Bad destination mailbox address syntax",
            "5.1.10 Recipient address has null MX",
        ] {
            assert!(refuses_the_address(reply), "{reply}");
        }
        for reply in [
            "5.7.1 Relaying denied",
            "5.1.0 <noreply@clinic.test>: Sender address rejected: User unknown",
            "5.1.7 Sender address rejected: bad syntax",
            "5.1.8 Sender address rejected: Domain not found",
            "4.1.1 Mailbox temporarily unavailable",
            "no such user",
            "5.1 incomplete",
            "5.1.1.1 too long",
            "5.1.x not a number",
            "",
        ] {
            assert!(!refuses_the_address(reply), "{reply}");
        }
    }
}
