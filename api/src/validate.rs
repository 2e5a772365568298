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

/// Trimmed, non-empty text of at most `max` characters, without control characters.
/// Free text that may span lines (a clinician's note): like [`text`], but line breaks and tabs
/// are kept.
pub fn multiline_text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
}

pub fn text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
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
}
