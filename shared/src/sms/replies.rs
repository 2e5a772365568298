//! What the service answers to an inbound text, as TwiML (Twilio's Messaging TwiML, a
//! `<Response>` holding at most one `<Message>`; <https://www.twilio.com/docs/messaging/twiml>).
//!
//! A HELP/INFO text is answered with who is texting and how to reach them (CTIA Messaging
//! Principles: HELP gives the sender's name and contact). Any other free text is answered once
//! (the care layer decides when) with the clinic's phone and the urgent warning signs in plain
//! words, because a patient texting the number may be asking for help the service cannot read.
//! No reply names the treatment. STOP and START get no reply of ours: the provider (Twilio
//! Advanced Opt-Out) sends the carrier's own confirmation.

use crate::domain::Locale;

/// The answer to HELP/INFO: the clinic's name, its phone when the clinic has one, and how to
/// stop. Plain text, to go inside [`twiml`].
pub fn help(clinic_name: &str, clinic_phone: Option<&str>, locale: Locale) -> String {
    match (locale, clinic_phone) {
        (Locale::En, Some(phone)) => format!(
            "{clinic_name}: aftercare messages from your clinic. Call us on {phone}. \
             Reply STOP to stop texts."
        ),
        (Locale::En, None) => format!(
            "{clinic_name}: aftercare messages from your clinic. Call your clinic for help. \
             Reply STOP to stop texts."
        ),
        (Locale::Es, Some(phone)) => format!(
            "{clinic_name}: mensajes de seguimiento de tu clínica. Llámanos al {phone}. \
             Responde STOP para dejar de recibir SMS."
        ),
        (Locale::Es, None) => format!(
            "{clinic_name}: mensajes de seguimiento de tu clínica. Llama a tu clínica si \
             necesitas ayuda. Responde STOP para dejar de recibir SMS."
        ),
    }
}

/// The one answer to free text: nobody reads texts sent here, the clinic's phone, and the
/// urgent warning signs with what to do (call the clinic now; urgent care when it cannot be
/// reached). Plain text, to go inside [`twiml`].
pub fn notice(clinic_name: &str, clinic_phone: Option<&str>, locale: Locale) -> String {
    match locale {
        Locale::En => {
            let call = match clinic_phone {
                Some(phone) => format!("call {clinic_name} on {phone}"),
                None => format!("call {clinic_name}"),
            };
            format!(
                "{clinic_name}: texts to this number are not read. To talk to us, {call}. \
                 If you have a fever, spreading redness or swelling, pus, or severe or \
                 worsening pain, call your clinic now; if you cannot reach them, seek urgent care."
            )
        }
        Locale::Es => {
            let call = match clinic_phone {
                Some(phone) => format!("llama a {clinic_name} al {phone}"),
                None => format!("llama a {clinic_name}"),
            };
            format!(
                "{clinic_name}: nadie lee los SMS enviados a este número. Para hablar con \
                 nosotros, {call}. Si tienes fiebre, enrojecimiento o hinchazón que se extiende, \
                 pus, o dolor fuerte o que empeora, llama a tu clínica ahora; si no puedes \
                 contactar, busca atención urgente."
            )
        }
    }
}

/// The TwiML document answering an inbound text: `<Response><Message>…</Message></Response>`
/// with the text XML-escaped (XML 1.0 §2.4), or the empty `<Response/>` (no reply).
pub fn twiml(message: Option<&str>) -> String {
    const PROLOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
    match message {
        Some(text) => format!(
            "{PROLOG}<Response><Message>{}</Message></Response>",
            escape(text)
        ),
        None => format!("{PROLOG}<Response/>"),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREATMENT_WORDS: [&str; 4] = ["microneedl", "treatment", "tratamiento", "micropunc"];

    #[test]
    fn replies_name_the_clinic_and_never_the_treatment() {
        for locale in [Locale::En, Locale::Es] {
            for phone in [Some("+34 600 111 222"), None] {
                for text in [
                    help("Clínica Sol", phone, locale),
                    notice("Clínica Sol", phone, locale),
                ] {
                    assert!(text.starts_with("Clínica Sol: "), "{text}");
                    if let Some(phone) = phone {
                        assert!(text.contains(phone), "{text}");
                    }
                    let lower = text.to_lowercase();
                    for word in TREATMENT_WORDS {
                        assert!(!lower.contains(word), "{text}");
                    }
                }
            }
        }
        assert!(notice("A", None, Locale::En).contains("urgent care"));
        assert!(notice("A", None, Locale::Es).contains("atención urgente"));
    }

    #[test]
    fn twiml_escapes_the_text_and_can_be_empty() {
        assert_eq!(
            twiml(Some("Smith & Co <b> \"x\"\u{7}")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>\
             Smith &amp; Co &lt;b&gt; &quot;x&quot;</Message></Response>"
        );
        assert_eq!(
            twiml(None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
        );
    }
}
