//! Field checks for request bodies and CLI arguments that have no domain type of their own,
//! and a collector so a 422 lists every bad field at once.

use shared::domain::{E164, PushProvider};
use shared::{Error, FieldError};

/// Collects field errors; `finish` turns them into one 422.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// The one control-character rule for every free-text input (names, notes, reasons, device
/// tokens, app versions): no Unicode control character (`Cc`: NUL, escape, DEL, C1…), and no
/// line break or tab unless `multiline`. Control characters in stored text break log lines,
/// CSV exports and push payloads downstream, so they are refused here, once.
pub fn no_controls(s: &str, multiline: bool) -> Result<(), String> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if s.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// Trimmed, non-empty text of at most `max` characters, on one line ([`no_controls`]).
pub fn text(raw: &str, max: usize) -> Result<String, String> {
    bounded(raw, max, false)
}

/// Free text that may span lines (a clinician's note): like [`text`], but line breaks and tabs
/// are kept.
pub fn multiline_text(raw: &str, max: usize) -> Result<String, String> {
    bounded(raw, max, true)
}

fn bounded(raw: &str, max: usize, multiline: bool) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    no_controls(s, multiline)?;
    Ok(s.to_owned())
}

/// A push device token, in its provider's shape, trimmed:
/// - APNs: 64 to 200 hexadecimal digits, an even number (the binary token hex-encoded, as the
///   provider API takes it in the `/3/device/<token>` path; 32 bytes today, and Apple asks
///   providers not to fix the length). Nothing else may reach that URL path.
/// - FCM: 32 to 4,096 characters of `A-Z a-z 0-9 _ - : .` (a registration token is URL-safe
///   base64 with `:` separators, about 150 characters today; FCM documents no fixed length).
///
/// `None` for the provider (it was itself invalid) checks the FCM shape.
pub fn push_token(raw: &str, provider: Option<PushProvider>) -> Result<String, String> {
    let s = raw.trim();
    match provider {
        Some(PushProvider::WebPush) => {
            return Err(
                "must be absent for web push: send the browser's subscription instead".into(),
            );
        }
        Some(PushProvider::Apns) => {
            if !shared::push::apns::is_device_token(s) {
                return Err(
                    "must be an APNs device token: 64 to 200 hexadecimal digits (an app \
                            that registers an FCM token on iOS sets provider to fcm)"
                        .into(),
                );
            }
        }
        Some(PushProvider::Fcm) | None => {
            let charset = s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-:.".contains(&b));
            if !charset || !(32..=4096).contains(&s.len()) {
                return Err(
                    "must be an FCM registration token: 32 to 4096 characters of \
                            letters, digits, '_', '-', ':' and '.'"
                        .into(),
                );
            }
        }
    }
    Ok(s.to_owned())
}

/// An optional multi-line text field: absent or blank is `None`.
pub fn optional_multiline_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => multiline_text(s, max).map(Some),
    }
}

/// An optional text field: absent or blank is `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => text(s, max).map(Some),
    }
}

/// A telephone number as people write it (`+34 600 000 000`, `(555) 010-0199`): 6 to 15
/// digits (E.164's maximum), optionally a leading `+`, with spaces, dots, dashes, parentheses.
pub fn phone(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && i == 0));
    if !allowed || !(6..=15).contains(&digits) {
        return Err("is not a telephone number such as +34 600 000 000".into());
    }
    Ok(s.to_owned())
}

pub fn optional_phone(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => phone(s).map(Some),
    }
}

/// A patient's mobile number, which texts may go to: an international number (`+34 600 111
/// 222`, `0034 600…`; spaces and punctuation allowed) that `phonenumber` (libphonenumber's
/// metadata) finds valid, in its E.164 form (`+34600111222`, ITU-T E.164). A number without its
/// country code is refused, since it could be any country's.
pub fn e164(raw: &str) -> Result<String, String> {
    E164::parse(raw)
        .map(|p| p.as_str().to_owned())
        .map_err(|e| e.to_string())
}

/// [`e164`] for an optional field: absent or blank is `None`.
pub fn optional_e164(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => e164(s).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_text() {
        for ok in ["+34 600 000 000", "(555) 010-0199", "600000000"] {
            assert!(phone(ok).is_ok(), "{ok}");
        }
        for bad in [
            "12345",
            "call me",
            "+34 600 000 000 ext 5",
            "34+600000000",
            "",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        assert_eq!(text("  Ana ", 10).unwrap(), "Ana");
        assert!(
            text("   ", 10).is_err() && text("abcdef", 5).is_err() && text("a\u{7}", 5).is_err()
        );
        assert_eq!(optional_text(Some(" "), 5).unwrap(), None);
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        for bad in ["a\u{0}b", "a\nb", "a\u{1b}[31m", "a\u{7f}", "a\u{85}b"] {
            assert!(text(bad, 50).is_err(), "{bad:?}");
        }
        assert!(multiline_text("a\u{0}b", 50).is_err());
        assert_eq!(multiline_text("a\nb\tc", 50).unwrap(), "a\nb\tc");
    }

    #[test]
    fn push_tokens_have_their_providers_shape() {
        let fcm = "cT9x-Rz_QbK:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";
        assert_eq!(
            push_token(&format!(" {fcm} "), Some(PushProvider::Fcm)).unwrap(),
            fcm
        );
        let apns = "a".repeat(64);
        assert_eq!(push_token(&apns, Some(PushProvider::Apns)).unwrap(), apns);
        assert!(push_token(&"0F".repeat(100), Some(PushProvider::Apns)).is_ok());
        for (bad, provider) in [
            ("t", PushProvider::Fcm),
            (&*"x".repeat(4097), PushProvider::Fcm),
            (&*format!("{fcm}/../x"), PushProvider::Fcm),
            (&*format!("{fcm} x"), PushProvider::Fcm),
            (&*format!("{fcm}\u{0}"), PushProvider::Fcm),
            (&*format!("{fcm}é"), PushProvider::Fcm),
            (&*"a".repeat(62), PushProvider::Apns),
            (&*"a".repeat(65), PushProvider::Apns),
            (&*"a".repeat(202), PushProvider::Apns),
            (&*format!("{}/../../x", "a".repeat(64)), PushProvider::Apns),
            (&*format!("{}?x=1", "a".repeat(64)), PushProvider::Apns),
            (&*"g".repeat(64), PushProvider::Apns),
            (fcm, PushProvider::Apns),
        ] {
            assert!(
                push_token(bad, Some(provider)).is_err(),
                "{bad:?} {provider:?}"
            );
        }
    }
}
