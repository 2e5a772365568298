//! The mailer speaks real SMTP (lettre) to a loopback server.

use shared::config::Config;
use shared::mail::{Mailer, OutgoingEmail};
use shared::testing::smtp::SmtpServer;

#[tokio::test]
async fn mailer_delivers_over_smtp_with_utf8_text() {
    let smtp = SmtpServer::start().await;
    let vars = smtp
        .settings()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let config = Config::from_vars(&vars).unwrap();
    let mailer = Mailer::from_config(&config.mail).unwrap();
    assert!(mailer.is_smtp());
    mailer
        .send(&OutgoingEmail {
            to: "ana@example.test".into(),
            subject: "Tu invitación".into(),
            text: "Código: 123456 — ¡hola!".into(),
            kind: "invitation",
        })
        .await
        .unwrap();
    let got = smtp.wait_for("ana@example.test", 1).await;
    assert_eq!(got.len(), 1);
    assert!(
        got[0].body_text().contains("Código: 123456 — ¡hola!"),
        "{}",
        got[0].data
    );
    assert_eq!(got[0].from, "no-reply@aftercare.local");
}

#[tokio::test]
async fn refused_recipients_are_reported_as_permanent_or_transient() {
    let smtp = SmtpServer::start().await;
    let vars = smtp
        .settings()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let mailer = Mailer::from_config(&Config::from_vars(&vars).unwrap().mail).unwrap();
    let email = OutgoingEmail {
        to: "ana@example.test".into(),
        subject: "s".into(),
        text: "t".into(),
        kind: "test",
    };
    // Only an addressing code (RFC 3463 5.1.x) blames the address; a bare 550, a relay refusal
    // or a complaint about our own sender address is ours to fix.
    use shared::mail::MailError::{Permanent, RecipientRefused};
    for (code, text, blames_address) in [
        (550, "5.1.1 <ana@example.test>: User unknown", true),
        (551, "5.1.6 User not local", true),
        (553, "5.1.3 Bad destination mailbox address syntax", true),
        (554, "5.1.1 transaction failed", true),
        (550, "5.7.1 Relaying denied", false),
        (553, "5.1.8 Sender address rejected", false),
        (550, "5.1.0 <noreply@clinic.test>: Sender rejected", false),
        (550, "no such user", false),
        (554, "transaction failed", false),
    ] {
        smtp.refuse_recipients(code, text);
        let got = mailer.send(&email).await;
        let as_expected = match &got {
            Err(RecipientRefused(_)) => blames_address,
            Err(Permanent(_)) => !blames_address,
            _ => false,
        };
        assert!(as_expected, "{code} {text}: {got:?}");
    }
    // Our own settings refused (authentication, RFC 4954 §6): not the address's fault.
    for (code, text) in [
        (530, "5.7.0 Authentication required"),
        (534, "5.7.9 Authentication mechanism is too weak"),
        (535, "5.7.8 Authentication credentials invalid"),
        (
            538,
            "5.7.11 Encryption required for requested authentication mechanism",
        ),
    ] {
        smtp.refuse_recipients(code, text);
        let got = mailer.send(&email).await;
        assert!(
            matches!(&got, Err(shared::mail::MailError::Setup(_))),
            "{code} {text}: {got:?}"
        );
        assert!(got.unwrap_err().refusal().is_none());
    }
    smtp.refuse_recipients(451, "try later");
    assert!(matches!(
        mailer.send(&email).await,
        Err(shared::mail::MailError::Transient(_))
    ));
}
