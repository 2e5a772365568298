//! Prompt and digest emails sent by the delivery worker. An email can be read on a shared screen
//! as easily as a push, so it follows the same lock-screen rule: the prompt's text only when the
//! patient chose `full` previews, otherwise a neutral nudge to open the app.

use super::OutgoingEmail;
use crate::domain::{Locale, LockScreenPreview};
use crate::push::visible_text;

/// The email for one prompt. `key` (the prompt's idempotency key) goes into the body's footer
/// as a reference so a support request can name the message without quoting its text.
pub fn prompt_email(
    to: &str,
    preview: LockScreenPreview,
    locale: Locale,
    title: &str,
    body: &str,
    key: &str,
) -> OutgoingEmail {
    let visible = visible_text(preview, locale, title, body);
    let (open_app, reference) = match locale {
        Locale::En => (
            "Open the Aftercare app for details and to let your clinic know how you are.",
            "Reference",
        ),
        Locale::Es => (
            "Abre la app de cuidados para ver los detalles y contarle a tu clínica cómo estás.",
            "Referencia",
        ),
    };
    OutgoingEmail {
        to: to.to_owned(),
        subject: visible.title,
        text: format!("{}\n\n{open_app}\n\n{reference}: {key}\n", visible.body),
        kind: "prompt",
    }
}

/// The daily digest for a clinic: counts and a link only, never patient details.
pub fn digest_email(
    to: &str,
    clinic_name: &str,
    open: i64,
    urgent: i64,
    public_url: &str,
) -> OutgoingEmail {
    let plural = if open == 1 { "" } else { "s" };
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("{clinic_name}: {open} open escalation{plural}"),
        text: format!(
            "Good morning,\n\n{clinic_name} has {open} open escalation{plural} ({urgent} urgent).\n\n\
             Review them: {public_url}/v1/clinic/escalations?status=open\n\n\
             This email carries counts only; patient details are in the clinic tools.\n"
        ),
        kind: "escalation_digest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_prompt_email_hides_the_prompt_text() {
        let e = prompt_email(
            "p@example.test",
            LockScreenPreview::Private,
            Locale::En,
            "Redness check",
            "Is the redness fading?",
            "key-1",
        );
        assert!(!e.subject.contains("Redness") && !e.text.contains("redness"));
        assert!(e.text.contains("key-1"));
        let e = prompt_email(
            "p@example.test",
            LockScreenPreview::Full,
            Locale::En,
            "Redness check",
            "Is the redness fading?",
            "key-1",
        );
        assert_eq!(e.subject, "Redness check");
        assert!(e.text.contains("Is the redness fading?"));
    }
}
