//! Field checks for request bodies and CLI arguments that have no domain type of their own,
//! and a collector so a 422 lists every bad field at once.

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

/// An opaque token (a push provider's device token): 1 to `max` bytes, no whitespace, no
/// control characters ([`no_controls`]).
pub fn token(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    let shape = format!("must be a device token (1-{max} characters, no spaces)");
    if s.is_empty() || s.len() > max || s.chars().any(char::is_whitespace) {
        return Err(shape);
    }
    no_controls(s, false)?;
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
            assert!(token(bad, 50).is_err(), "{bad:?}");
        }
        assert!(multiline_text("a\u{0}b", 50).is_err());
        assert_eq!(multiline_text("a\nb\tc", 50).unwrap(), "a\nb\tc");
        assert_eq!(token(" abc:DEF-1_2 ", 50).unwrap(), "abc:DEF-1_2");
    }
}
