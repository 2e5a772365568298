//! Email addresses: one mailbox, one spelling, and only addresses the mailer can send to.
//!
//! An address is accepted when it is `local@domain` with
//! - a local part that is a dot-atom of ASCII `atext` (RFC 5322 §3.2.3, §3.4.1: letters, digits
//!   and ``! # $ % & ' * + - / = ? ^ _ ` { | } ~``, dots between them), at most 64 octets
//!   (RFC 5321 §4.5.3.1.1). Quoted local parts (`"a b"@x`) and non-ASCII ones (which need the
//!   server's SMTPUTF8, RFC 6531) are refused: the mailer sends to neither;
//! - a domain name, not an address literal (`[127.0.0.1]`, RFC 5321 §4.1.3) nor a bare IP
//!   address, of at least two labels, which IDNA (UTS #46 `ToASCII` with STD3 rules, hyphens
//!   checked first and last, DNS lengths verified: the `idna` crate) turns into its ASCII form:
//!   `bücher.example` and `xn--bcher-kva.example` are the same domain, stored as the latter;
//! - at most 254 octets in all (RFC 5321 §4.5.3.1.3 less the angle brackets);
//! - and what `lettre` (the mailer) parses back to the same address, as a bare address and as
//!   the recipient mailbox it sends to.
//!
//! The stored, compared and sent form is the ASCII one, lower-cased (local part included: the
//! product has always treated `Ana@x` and `ana@x` as one account).

use std::fmt;
use std::net::IpAddr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Serialize};

/// The messages [`Email::parse`] answers with (`errors[].message` of a 422 on the field); the
/// console translates each (`api/src/console/field_messages.rs`).
pub mod message {
    pub const REQUIRED: &str = "is required";
    pub const TOO_LONG: &str = "is too long";
    pub const INVALID: &str = "is not a valid email address";
    pub const QUOTED: &str = "must not have quotes before the @";
    pub const LOCAL_CHARACTERS: &str =
        "may only have unaccented letters, digits and symbols such as . _ - + before the @";
    pub const ADDRESS_LITERAL: &str = "must have a domain name after the @, not an IP address";
    pub const DOMAIN: &str = "must have a valid domain name after the @";
}

/// The longest address accepted, in octets (RFC 5321 §4.5.3.1.3: a 256-octet path less `<>`).
pub const MAX_LEN: usize = 254;
/// The longest local part accepted, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;

/// An email address the mailer can send to, in its one stored form: ASCII, lower-cased, the
/// domain in IDNA ASCII form (`ana@xn--bcher-kva.example`). See the module's rules. Serialised
/// as that string; deserialised through [`Email::parse`], so no unchecked address gets in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Email::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl Email {
    /// Checks and normalises `raw` (surrounding whitespace ignored). Errors: one of the
    /// [`message`]s.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(message::REQUIRED.into());
        }
        // Generous for a Unicode domain that shrinks nothing in ASCII form, and bounds the work.
        if raw.len() > 4 * MAX_LEN {
            return Err(message::TOO_LONG.into());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(message::INVALID)?;
        let local = local_part(local)?;
        let domain = domain_name(domain)?;
        let address = format!("{local}@{domain}");
        if address.len() > MAX_LEN {
            return Err(message::TOO_LONG.into());
        }
        if !lettre_sends_to(&address) {
            return Err(message::INVALID.into());
        }
        Ok(Email(address))
    }

    /// The form to look an account up by: [`Email::parse`]'s when `raw` parses, else `raw`
    /// trimmed and lower-cased as addresses were stored before these rules (so an account
    /// stored then with an address now refused can still sign in). Text no address was ever
    /// stored as (a control character such as NUL, which PostgreSQL refuses in text, or more
    /// than four times [`MAX_LEN`] bytes) gives the empty string: no account, no query.
    pub fn lookup_form(raw: &str) -> String {
        match Email::parse(raw) {
            Ok(e) => e.0,
            Err(_) if raw.len() > 4 * MAX_LEN || raw.chars().any(char::is_control) => String::new(),
            Err(_) => raw.trim().to_lowercase(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with its domain in Unicode for people to read (`ana@bücher.example`);
    /// the stored form when the domain has no IDNA label. Never for sending.
    pub fn to_unicode(&self) -> String {
        unicode_form(&self.0).unwrap_or_else(|| self.0.clone())
    }
}

/// A stored address with its IDNA labels in Unicode (`ana@xn--bcher-kva.example` →
/// `ana@bücher.example`), for people to read and find; `None` when it has no valid IDNA label.
pub fn unicode_form(stored: &str) -> Option<String> {
    let (local, domain) = stored.rsplit_once('@')?;
    if !domain.contains("xn--") {
        return None;
    }
    let (unicode, checked) = idna::domain_to_unicode(domain);
    checked.ok().map(|()| format!("{local}@{unicode}"))
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5322 `atext`, ASCII only.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// The local part as a lower-cased ASCII dot-atom.
fn local_part(local: &str) -> Result<String, String> {
    if local.is_empty() {
        return Err(message::INVALID.into());
    }
    if local.contains('"') {
        return Err(message::QUOTED.into());
    }
    if !local.is_ascii() {
        return Err(message::LOCAL_CHARACTERS.into());
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(message::TOO_LONG.into());
    }
    let dot_atom = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext));
    if !dot_atom {
        // Spaces, brackets, commas, a leading, trailing or doubled dot.
        return Err(message::INVALID.into());
    }
    Ok(local.to_ascii_lowercase())
}

/// The domain in IDNA ASCII form (lower case, punycode labels).
fn domain_name(domain: &str) -> Result<String, String> {
    if domain.is_empty() {
        return Err(message::INVALID.into());
    }
    let literal = domain.starts_with('[') || domain.ends_with(']');
    if literal || domain.parse::<IpAddr>().is_ok() {
        return Err(message::ADDRESS_LITERAL.into());
    }
    let ascii = Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Verify,
        )
        .map_err(|_| message::DOMAIN)?;
    let labels: Vec<&str> = ascii.split('.').collect();
    // `localhost` or `example`: no mail reaches a single label; nor a numeric top-level label
    // (`1.2.3.4` once IDNA has mapped full-width digits).
    let top = labels.last().copied().unwrap_or_default();
    if labels.len() < 2 || top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(if ascii.parse::<IpAddr>().is_ok() {
            message::ADDRESS_LITERAL.into()
        } else {
            message::DOMAIN.into()
        });
    }
    Ok(ascii.into_owned())
}

/// Whether lettre takes `address` back unchanged, both as an address and as the recipient
/// mailbox it sends to (`crate::mail::Mailer` parses the recipient as a mailbox).
fn lettre_sends_to(address: &str) -> bool {
    let same = |a: &lettre::Address| a.to_string() == address;
    let as_address = address.parse::<lettre::Address>().is_ok_and(|a| same(&a));
    let as_mailbox = address
        .parse::<lettre::message::Mailbox>()
        .is_ok_and(|m| m.name.is_none() && same(&m.email));
    as_address && as_mailbox
}

#[cfg(test)]
mod tests;
