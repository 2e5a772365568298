//! Codes of text messages (SMS): consent records (`sms_consents`), inbound keywords
//! (`sms_inbound.keyword`) and the provider's delivery receipts (`delivery_attempts.receipt`).
//! The codes are the stored strings, which the migrations' `CHECK` constraints also list.

use super::code_enum;

/// The version of the consent wording a patient agrees to (shown in the app and the console,
/// recorded with every grant). A change of wording gets a new version; grants keep theirs.
pub const CONSENT_TEXT_VERSION: &str = "sms-2026-12";

code_enum!(
    /// Who gave or withdrew consent to texts (`sms_consents.source`): the clinic, recording it
    /// at enrolment with the patient present, or the patient (in the app, or by texting a
    /// keyword).
    ConsentSource { Clinic => "clinic", Patient => "patient" }
);

code_enum!(
    /// Where a consent record was made (`sms_consents.method`): the JSON API, the clinic console,
    /// the patient web app, or a STOP/START text from the patient's phone (`keyword`).
    ConsentMethod { Api => "api", Console => "console", App => "app", Keyword => "keyword" }
);

code_enum!(
    /// The carrier keyword families of an inbound text (`sms_inbound.keyword`; CTIA Messaging
    /// Principles and Best Practices, Twilio's default opt-out keywords): `stop` opts the number
    /// out of every text (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT),
    /// `start` back in (START, UNSTOP), `help` asks who is texting (HELP, INFO).
    SmsKeyword { Stop => "stop", Start => "start", Help => "help" }
);

impl SmsKeyword {
    /// The keyword an inbound text is, if it is one: the whole text, any case, punctuation,
    /// symbols and spaces around or inside it ignored ("Stop", " STOP. ", "¡Stop!", "opt out",
    /// "OPT-OUT"). Besides the English families, the Spanish words patients use: BAJA, PARAR,
    /// CANCELAR and DETENER stop, ALTA starts, AYUDA asks for help (a Spanish-speaking patient
    /// must be able to opt out in their language; FCC 24-24 counts any reasonable means). A
    /// sentence that contains "stop" is not a keyword: it reaches the clinic as a message.
    pub fn of_text(body: &str) -> Option<Self> {
        let word: String = body
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        match word.as_str() {
            "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "REVOKE"
            | "OPTOUT" | "BAJA" | "PARAR" | "CANCELAR" | "DETENER" => Some(SmsKeyword::Stop),
            "START" | "UNSTOP" | "ALTA" => Some(SmsKeyword::Start),
            "HELP" | "INFO" | "AYUDA" => Some(SmsKeyword::Help),
            _ => None,
        }
    }
}

code_enum!(
    /// A text's delivery status as the provider reports it in its status callback
    /// (`delivery_attempts.receipt`; Twilio `MessageStatus`): `queued` and `sent` are on the
    /// way, `delivered` reached the handset, `undelivered` and `failed` did not.
    SmsReceipt {
        Queued => "queued",
        Sent => "sent",
        Delivered => "delivered",
        Undelivered => "undelivered",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_texts_in_any_case() {
        for (text, want) in [
            ("STOP", Some(SmsKeyword::Stop)),
            (" stop. ", Some(SmsKeyword::Stop)),
            ("Unsubscribe", Some(SmsKeyword::Stop)),
            ("optout", Some(SmsKeyword::Stop)),
            ("unstop", Some(SmsKeyword::Start)),
            ("Start!", Some(SmsKeyword::Start)),
            ("info", Some(SmsKeyword::Help)),
            ("please stop texting me", None),
            ("", None),
            ("¡STOP!", Some(SmsKeyword::Stop)),
            ("opt out", Some(SmsKeyword::Stop)),
            ("OPT-OUT", Some(SmsKeyword::Stop)),
            ("STOP 🙂", Some(SmsKeyword::Stop)),
            ("Baja", Some(SmsKeyword::Stop)),
            ("parar.", Some(SmsKeyword::Stop)),
            ("Alta", Some(SmsKeyword::Start)),
            ("AYUDA", Some(SmsKeyword::Help)),
            ("stop it", None),
        ] {
            assert_eq!(SmsKeyword::of_text(text), want, "{text:?}");
        }
    }
}
