//! The email that tells a clinic an urgent escalation is waiting. It is read on staff phones and
//! shared screens, so it carries no health details: only that a patient of the clinic needs a
//! call, and a link to the console's escalation queue where signed-in staff see who and why.

use super::OutgoingEmail;
use crate::domain::EscalationId;

/// The alert for one recipient (one email per recipient, so no address sees another's).
/// `public_url` is `AFTERCARE_PUBLIC_URL`; the link is `{public_url}/console/escalations`.
pub fn clinic_alert_email(to: &str, clinic_name: &str, public_url: &str) -> OutgoingEmail {
    let queue = format!("{}/console/escalations", public_url.trim_end_matches('/'));
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("{clinic_name}: a patient needs a call"),
        text: format!(
            "Hello,\n\nA patient of {clinic_name} needs a call from the clinic.\n\n\
             Open the escalation queue to see who and why: {queue}\n\n\
             This email carries no patient details; they are in the clinic console.\n"
        ),
        kind: "clinic_alert",
    }
}

/// The left part of the alert's `Message-ID` (RFC 5322 §3.6.4), the same for every send of the
/// escalation's alert: a repeat after a crash between the send and its record is then the same
/// message to the recipient's mail client, which can show it once. See
/// [`super::Mailer::send_with_message_id`].
pub fn clinic_alert_message_id(escalation_id: &EscalationId) -> String {
    format!("clinic-alert.{escalation_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alert_says_only_that_a_patient_needs_a_call_and_links_the_queue() {
        let e = clinic_alert_email("dr@clinic.test", "Skin Studio", "https://care.test/");
        assert_eq!(e.subject, "Skin Studio: a patient needs a call");
        assert!(e.text.contains("https://care.test/console/escalations\n"));
        assert_eq!(e.to, "dr@clinic.test");
        let id = clinic_alert_message_id(&EscalationId::from("0190-ab"));
        assert_eq!(id, "clinic-alert.0190-ab");
    }
}
