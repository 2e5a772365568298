//! TEMPORARY STUB (helper C): replaced by helper A's `shared::domain::phone` on merge.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E164(String);

impl E164 {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
        if raw.trim_start().starts_with('+') && (8..=15).contains(&digits.len()) {
            Ok(Self(format!("+{digits}")))
        } else {
            Err("write it with the country code, such as +34 600 111 222".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
