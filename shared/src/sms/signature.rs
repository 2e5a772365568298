//! The `X-Twilio-Signature` of a provider callback (Twilio "Webhooks security",
//! <https://www.twilio.com/docs/usage/webhooks/webhooks-security>).
//!
//! The signed string is the full URL the provider was given (scheme, host, path and query,
//! exactly as configured), followed by every POST parameter's name and value, sorted by name
//! (a repeated name's values in sorted order), with nothing between them. The signature is
//! HMAC-SHA1 (RFC 2104) of that string keyed with the account's auth token, base64-encoded
//! (RFC 4648 §4, with padding). Providers offering Twilio's API shape sign the same way.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The header the provider puts the signature in.
pub const HEADER: &str = "X-Twilio-Signature";

/// The signature of a callback to `url` carrying the form `params`, keyed with `auth_token`:
/// base64 of HMAC-SHA1 over `url` + each `name` + `value` sorted by name (28 characters).
/// The order of `params` does not matter.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = mac_with(auth_token.as_bytes());
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` (the header's value as received) is the signature of this callback,
/// compared in constant time (`subtle`) so the time taken says nothing about how much of a
/// forged signature was right. An empty or malformed header is simply false.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let expected = sign(auth_token, url, params);
    expected
        .as_bytes()
        .ct_eq(signature.trim().as_bytes())
        .into()
}

fn mac_with(key: &[u8]) -> Hmac<Sha1> {
    // HMAC takes a key of any length (RFC 2104 §2): this cannot fail.
    match <Hmac<Sha1> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The worked example of Twilio's request-validation guide (auth token `12345`).
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

    fn published() -> Vec<(String, String)> {
        // Out of order on purpose: the algorithm sorts by name.
        pairs(&[
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("Caller", "+12349013030"),
        ])
    }

    #[test]
    fn twilios_published_example_signs_and_verifies() {
        assert_eq!(sign("12345", URL, &published()), EXPECTED);
        assert!(verify("12345", URL, &published(), EXPECTED));
    }

    #[test]
    fn anything_changed_does_not_verify() {
        let mut tampered = published();
        tampered[2].1 = "9999".to_owned();
        assert!(!verify("12345", URL, &tampered, EXPECTED));
        assert!(!verify("54321", URL, &published(), EXPECTED));
        assert!(!verify(
            "12345",
            "https://mycompany.com/myapp.php",
            &published(),
            EXPECTED
        ));
        assert!(!verify("12345", URL, &published(), ""));
        assert!(!verify("12345", URL, &published(), &EXPECTED[..27]));
        let mut extra = published();
        extra.push(("Body".to_owned(), "STOP".to_owned()));
        assert!(!verify("12345", URL, &extra, EXPECTED));
    }

    #[test]
    fn no_parameters_signs_the_url_alone() {
        // HMAC-SHA1("12345", URL) computed independently (Python hmac + base64).
        assert_eq!(sign("12345", URL, &[]), "zYQTYrRWXE7LtzbG4PfP7/bkkGo=");
    }
}
