//! Telephone numbers in E.164 form (ITU-T E.164: `+`, country code, national number, at most
//! 15 digits), the form SMS providers take (Twilio `To`/`From`) and the one stored for texts.
//!
//! Parsing and validation come from the `phonenumber` crate (a port of Google's libphonenumber
//! with its metadata): a number is accepted when `phonenumber::is_valid` says it is a number
//! its country assigns, not merely a plausible string of digits.

use std::fmt;

/// The longest input looked at: an E.164 number has at most 15 digits, and generous spacing and
/// punctuation around them stay well within this.
const MAX_INPUT: usize = 40;

/// What a number refused by [`E164::parse`] is told (the API's 422 message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but spaces.
    #[error("enter a phone number")]
    Empty,
    /// Letters or other characters that are not part of a written phone number.
    #[error("use only digits, spaces and + ( ) - . / in a phone number")]
    Characters,
    /// No `+` or `00` in front: the country cannot be known.
    #[error("write it with the country code, such as +34 600 111 222")]
    NoCountryCode,
    /// Not a number the country assigns (wrong length, unknown country code, unused range).
    #[error("this is not a valid phone number; check the digits and the country code")]
    Invalid,
}

/// A valid telephone number in E.164 form: `+` and up to 15 digits (`+34600111222`).
/// Serialises as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Parses a number written in international form: `+34 600 111 222`, `0034 600 111 222`,
    /// `+1 (415) 555-0132`, `+44 7700 900123`; spaces and `( ) - . /` are ignored.
    ///
    /// Errors ([`PhoneError`], whose text is the message to show): empty input; letters or other
    /// characters (vanity numbers such as `1-800-FLOWERS` are refused); a number without its
    /// country code (`600 111 222`, since the patient's country is not known); a number
    /// `phonenumber::is_valid` does not accept (too short, too long, unknown country code,
    /// unassigned range).
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PhoneError::Empty);
        }
        if raw.len() > MAX_INPUT {
            return Err(PhoneError::Invalid);
        }
        let mut digits = String::with_capacity(raw.len());
        let mut plus = false;
        for c in raw.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !plus => plus = true,
                ' ' | '(' | ')' | '-' | '.' | '/' | '\u{a0}' => {}
                _ => return Err(PhoneError::Characters),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            // `00` is the international call prefix of most of the world (ITU-T E.164 Annex).
            rest.to_owned()
        } else {
            return Err(PhoneError::NoCountryCode);
        };
        if international.is_empty() || international.len() > 15 {
            return Err(PhoneError::Invalid);
        }
        let number = phonenumber::parse(None, format!("+{international}"))
            .map_err(|_| PhoneError::Invalid)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid);
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        Ok(Self(e164))
    }

    /// The number as `+` and digits (`+34600111222`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits after the `+` (`34600111222`).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The national significant number's digits (`600111222` of `+34600111222`): every way of
    /// writing the number holds them in a row, whatever prefix or spacing surrounds them.
    pub fn national_digits(&self) -> String {
        phonenumber::parse(None, &self.0)
            .map(|n| n.national().to_string())
            .unwrap_or_else(|_| self.digits().to_owned())
    }

    /// The number as `+` and digits, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for E164 {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, PhoneError> {
        Self::parse(s)
    }
}

impl serde::Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        E164::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms_become_e164() {
        for (raw, want) in [
            ("+34 600 111 222", "+34600111222"),
            ("+34600111222", "+34600111222"),
            ("0034 600-111-222", "+34600111222"),
            (" +34 (600) 11.12.22 ", "+34600111222"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("001 415 555 2671", "+14155552671"),
            ("+44 7911 123456", "+447911123456"),
            ("+44 (0)7911 123456", "+447911123456"),
        ] {
            let n = E164::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
            assert_eq!(n.as_str(), want, "{raw:?}");
            assert_eq!(n.to_string(), want);
        }
        let n = E164::parse("+34600111222").unwrap();
        assert_eq!(
            (n.digits(), n.national_digits().as_str()),
            ("34600111222", "600111222")
        );
    }

    #[test]
    fn a_number_without_country_code_is_refused_with_an_example() {
        for raw in [
            "600 111 222",
            "07911 123456",
            "34600111222",
            "(415) 555-2671",
        ] {
            let e = E164::parse(raw).unwrap_err();
            assert_eq!(e, PhoneError::NoCountryCode, "{raw:?}");
            assert!(e.to_string().contains("+34 600 111 222"));
        }
    }

    #[test]
    fn letters_and_odd_characters_are_refused() {
        for raw in [
            "+1 800 FLOWERS",
            "+34 600 111 22a",
            "+34 600#111",
            "+34+600111222",
        ] {
            assert_eq!(
                E164::parse(raw).unwrap_err(),
                PhoneError::Characters,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn too_short_too_long_and_unassigned_numbers_are_refused() {
        for raw in [
            "+34 600",
            "+34 600 111 2222",
            "+34 600 111 222 333 444",
            "+1234567890123456",
            "+999 600 111 222",
            "+",
            "00",
            &format!("+34 {}", "1 ".repeat(30)),
        ] {
            assert_eq!(
                E164::parse(raw).unwrap_err(),
                PhoneError::Invalid,
                "{raw:?}"
            );
        }
        assert_eq!(E164::parse("   ").unwrap_err(), PhoneError::Empty);
    }

    #[test]
    fn serde_is_the_e164_string() {
        let n = E164::parse("+34 600 111 222").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"+34600111222\"");
        let back: E164 = serde_json::from_str("\"0034600111222\"").unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<E164>("\"600111222\"").is_err());
    }
}
