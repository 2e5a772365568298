//! Validation messages in the staff member's language. The parsers shared with the API
//! (`api/src/views`, `api/src/validate.rs`, `shared::domain`, the password rules) say what is
//! wrong in English, for the API's 422 `errors[].message`; the console shows the same finding
//! from its catalogue (`validation` messages in `api/locales/*/console.ftl`). A message the
//! console does not know is shown as it came, so nothing is ever hidden.

use shared::auth::password;
use shared::care::auth::BAD_CODE;
use shared::domain::email::message as email;
use shared::domain::phone::PhoneError;
use shared::mail::refusal;

use super::strings::Strings;
use crate::views::invitation;

/// `message` (one `FieldError::message` from a shared parser) in `t`'s language.
pub fn localise(t: &Strings, message: &str) -> String {
    let count = |prefix: &str, suffix: &str| {
        message
            .strip_prefix(prefix)?
            .strip_suffix(suffix)?
            .parse::<u32>()
            .ok()
    };
    if let Some(n) = count("must be at most ", " characters") {
        return t.fmt("field_at_most_chars", &[("max", n.into())]);
    }
    if let Some(n) = count("must be at least ", " characters") {
        return t.fmt("field_at_least_chars", &[("min", n.into())]);
    }
    if let Some((low, high)) = message
        .strip_prefix("must be between ")
        .and_then(|m| m.strip_suffix(" mm"))
        .and_then(|m| m.split_once(" and "))
    {
        return t.fmt(
            "field_depth_range",
            &[
                ("low", low.to_owned().into()),
                ("high", high.to_owned().into()),
            ],
        );
    }
    if let Some(rest) = message.strip_prefix(password::message::TOO_EASY_PREFIX) {
        let mut numbers = rest
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u32>().ok());
        if let (Some(score), Some(4), Some(needed)) =
            (numbers.next(), numbers.next(), numbers.next())
        {
            let args = [("score", score.into()), ("needed", needed.into())];
            return t.fmt("field_password_guessable", &args);
        }
    }
    if let Some(text) = phone_message(t, message) {
        return text.to_owned();
    }
    if let Some(hint) = password::Hint::of_message(message) {
        return t.fmt(&format!("password_hint_{}", hint.key()), &[]);
    }
    let text = match message {
        "is required" | "must not be empty" | "is required ([] for none)" => t.field_required,
        "must not contain control characters" => t.field_control_chars,
        "is not a valid email address" => t.field_email,
        "is too long" => t.field_too_long,
        "is not a telephone number such as +34 600 000 000" => t.field_phone,
        "must be in the future" => t.field_future,
        BAD_CODE => t.field_code_invalid,
        "must not be in the future" => t.field_not_future,
        "must be within two years" => t.field_within_two_years,
        "must name at least one treated area" => t.field_one_area,
        "must be pen, roller or stamp" => t.field_choose,
        "must be between 3 and 8 weeks" => t.field_interval_weeks,
        "must be between 1 and planned_sessions" => t.field_session_range,
        "must be between 1 and 6" => t.field_planned_range,
        "is invalid" => t.field_invalid,
        password::message::CONTAINS_EMAIL => t.field_password_email,
        email::QUOTED => t.field_email_quoted,
        email::LOCAL_CHARACTERS => t.field_email_local_chars,
        email::ADDRESS_LITERAL => t.field_email_ip,
        email::DOMAIN => t.field_email_domain,
        refusal::PERMANENT => t.field_mail_permanent,
        refusal::ADDRESS => t.field_mail_address,
        "start and end must differ" => t.field_start_end_differ,
        "cannot be removed" => t.field_cannot_remove,
        "an account with this email already exists in this clinic"
        | "another account of this clinic already has this email" => t.field_email_taken,
        m if m.starts_with("the recipient's mail server refuses this email address") => {
            t.field_mail_refused
        }
        m if m.contains("RFC 3339") => t.date_time_needed,
        m if m.ends_with("is not an IANA time zone name such as Europe/Madrid") => {
            t.field_time_zone
        }
        m if m.ends_with("is not a time of day as HH:MM") => t.field_time_of_day,
        m if m.starts_with("unknown code ") => t.field_choose,
        other => return other.to_owned(),
    };
    text.to_owned()
}

/// The words for a mobile number refused as E.164 ([`PhoneError`]'s messages) or a consent to
/// texts without one.
fn phone_message(t: &Strings, message: &str) -> Option<&'static str> {
    [
        (PhoneError::Empty, t.field_phone_empty),
        (PhoneError::Characters, t.field_phone_characters),
        (PhoneError::NoCountryCode, t.field_phone_country_code),
        (PhoneError::Invalid, t.field_phone_invalid),
    ]
    .into_iter()
    .find(|(e, _)| e.to_string() == message)
    .map(|(_, words)| words)
    .or_else(|| (message == invitation::NO_PHONE).then_some(t.field_sms_consent_no_phone))
}

#[cfg(test)]
mod tests {
    use super::localise;
    use crate::console::strings::{Lang, strings};

    #[test]
    fn known_messages_are_spoken_in_both_languages() {
        let (en, es) = (strings(Lang::En), strings(Lang::Es));
        assert_eq!(
            localise(en, "must be at most 2000 characters"),
            "must be at most 2000 characters"
        );
        assert_eq!(
            localise(es, "must be at most 2000 characters"),
            "debe tener como máximo 2000 caracteres"
        );
        assert_eq!(localise(es, "must not be empty"), "es obligatorio");
        assert_eq!(
            localise(es, shared::care::auth::BAD_CODE),
            "no es válido: puede estar mal escrito, ya usado o caducado"
        );
        assert_eq!(
            localise(
                es,
                "\"Mars/Base\" is not an IANA time zone name such as Europe/Madrid"
            ),
            es.field_time_zone
        );
        assert_eq!(
            localise(es, "must be an RFC 3339 time with offset"),
            es.date_time_needed
        );
        assert_eq!(localise(es, "unknown code \"nose\""), es.field_choose);
        let no_code = shared::domain::phone::PhoneError::NoCountryCode.to_string();
        assert_eq!(localise(en, &no_code), no_code);
        assert_eq!(localise(es, &no_code), es.field_phone_country_code);
        assert_eq!(
            localise(es, crate::views::invitation::NO_PHONE),
            es.field_sms_consent_no_phone
        );
        assert_eq!(
            localise(es, "must be between 0.25 and 3 mm"),
            "debe estar entre 0.25 y 3 mm"
        );
        // Unknown: shown as it came.
        assert_eq!(localise(es, "something new"), "something new");
    }

    #[test]
    fn address_and_password_findings_are_spoken_in_both_languages() {
        use shared::domain::Email;
        let (en, es) = (strings(Lang::En), strings(Lang::Es));
        for bad in [
            "\"a b\"@x.example",
            "josé@x.example",
            "a@[127.0.0.1]",
            "a@localhost",
        ] {
            let message = Email::parse(bad).unwrap_err();
            assert_eq!(localise(en, &message), message, "{bad}");
            assert_ne!(localise(es, &message), message, "{bad}");
        }
        for message in [
            shared::mail::refusal::PERMANENT,
            shared::mail::refusal::ADDRESS,
            shared::mail::refusal::RECIPIENT,
        ] {
            assert_ne!(localise(es, message), message);
        }
        let weak = shared::auth::password::check_strength(
            "password",
            "ana.lopez2026",
            Some("ana.lopez@example.test"),
            &["Ana López"],
        );
        let Err(shared::Error::Validation(found)) = weak else {
            panic!("{weak:?}");
        };
        assert!(found.len() >= 2, "{found:?}");
        for f in &found {
            assert_eq!(localise(en, &f.message), f.message);
            assert_ne!(localise(es, &f.message), f.message, "{}", f.message);
        }
        assert_eq!(
            localise(
                es,
                "is too easy to guess (strength 1 of 4, at least 3 needed)"
            ),
            "es demasiado fácil de adivinar (seguridad 1 de 4; se necesita al menos 3)"
        );
        // Every hint of the estimator has its text in both languages, the English one as the
        // estimator words it.
        for hint in shared::auth::password::Hint::ALL {
            assert_eq!(localise(en, &hint.text()), hint.text());
            assert!(!localise(es, &hint.text()).starts_with("password_hint_"));
        }
    }
}
