//! A browser's Web Push subscription (the `PushSubscription` of the W3C Push API), parsed once:
//! the push service's endpoint URL (RFC 8030 §5, where the worker POSTs each message) and the
//! keys the message is encrypted for (RFC 8291 §2: the user agent's P-256 public key `p256dh`
//! and the 16-byte authentication secret `auth`).
//!
//! The endpoint is a URL the server will call, so it is the door to server-side request
//! forgery: it must be `https` with a DNS host name, never an IP literal, `localhost` or a name
//! that resolves to a loopback, private or link-local address (checked here for the literal and
//! again at every send, see [`is_public_ip`], against DNS rebinding). Only a test's
//! [`EndpointPolicy`] lets a loopback `http` fake push service through.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, FieldError, Result};

/// Which endpoints a subscription may name. The default refuses loopback; `allow_loopback` is
/// set by tests and by `AFTERCARE_WEBPUSH_ALLOW_LOOPBACK=on` (benches on one machine; refused in
/// production), whose fake push service runs on 127.0.0.1 over plain `http`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointPolicy {
    pub allow_loopback: bool,
}

/// The longest endpoint accepted, in bytes (browsers' push services use URLs of 100–600).
pub const MAX_ENDPOINT_LEN: usize = 2048;

/// A parsed subscription: `endpoint` as given (trimmed), `p256dh` and `auth` as canonical
/// unpadded base64url text (what is stored in `devices.webpush_p256dh` / `webpush_auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl WebPushSubscription {
    /// Checks a subscription as the Push API hands it over.
    ///
    /// - `endpoint`: an absolute `https` URL of at most [`MAX_ENDPOINT_LEN`] bytes whose host is a
    ///   DNS name (not an IP literal, `localhost` or `*.localhost`), with no user info; with
    ///   `policy.allow_loopback`, `http`/`https` to a loopback address or `localhost` too.
    /// - `p256dh`: base64url (padding optional) of an uncompressed SEC1 P-256 point, 65 bytes
    ///   starting `0x04`, that is on the curve (RFC 8291 §3.1 — parsed with `p256`).
    /// - `auth`: base64url of exactly 16 bytes (RFC 8291 §3.2).
    ///
    /// # Errors
    /// `Validation` (422) naming each bad field as `subscription.endpoint`,
    /// `subscription.keys.p256dh` and `subscription.keys.auth`.
    pub fn parse(endpoint: &str, p256dh: &str, auth: &str, policy: EndpointPolicy) -> Result<Self> {
        let mut errors = Vec::new();
        let endpoint = check_endpoint(endpoint.trim(), policy)
            .map_err(|m| errors.push(FieldError::new("subscription.endpoint", m)))
            .ok();
        let p256dh = parse_p256dh(p256dh.trim())
            .map_err(|m| errors.push(FieldError::new("subscription.keys.p256dh", m)))
            .ok();
        let auth = parse_auth(auth.trim())
            .map_err(|m| errors.push(FieldError::new("subscription.keys.auth", m)))
            .ok();
        match (endpoint, p256dh, auth) {
            (Some(endpoint), Some(p256dh), Some(auth)) if errors.is_empty() => Ok(Self {
                endpoint,
                p256dh,
                auth,
            }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

fn check_endpoint(raw: &str, policy: EndpointPolicy) -> std::result::Result<String, String> {
    if raw.is_empty() {
        return Err("must not be empty".into());
    }
    if raw.len() > MAX_ENDPOINT_LEN {
        return Err(format!("must be at most {MAX_ENDPOINT_LEN} bytes"));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must be a URL without spaces or control characters".into());
    }
    let url = reqwest::Url::parse(raw).map_err(|_| "must be an absolute https URL".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let loopback = is_loopback_host(&url);
    if policy.allow_loopback && loopback && matches!(url.scheme(), "http" | "https") {
        return Ok(raw.to_owned());
    }
    if url.scheme() != "https" {
        return Err("must be an https URL of a push service".into());
    }
    match host(&url) {
        Some(Host::Domain(d)) if !loopback && d.contains('.') => Ok(raw.to_owned()),
        Some(Host::Domain(_)) if !loopback => {
            Err("must name a push service by its public DNS name".into())
        }
        Some(_) => Err(
            "must name a push service by its DNS name, not an IP address or a local host".into(),
        ),
        None => Err("must be an https URL of a push service".into()),
    }
}

enum Host {
    Domain(String),
    Ip(IpAddr),
}

/// The URL's host: an IP literal (IPv6 without its brackets) or a lower-case DNS name.
fn host(url: &reqwest::Url) -> Option<Host> {
    let h = url.host_str()?;
    let bare = h.trim_start_matches('[').trim_end_matches(']');
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Domain(h.to_ascii_lowercase()),
    })
}

/// `localhost`, `*.localhost` (RFC 6761 §6.3) or a loopback IP literal.
fn is_loopback_host(url: &reqwest::Url) -> bool {
    match host(url) {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(Host::Ip(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether a push may be sent to `ip` (an address the endpoint's host resolved to): not
/// loopback, private (RFC 1918, RFC 4193 unique local), link-local, CGNAT shared (RFC 6598),
/// unspecified, multicast, broadcast or documentation space; IPv4-mapped IPv6 is judged as its
/// IPv4 address.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_ip(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// base64url, padded or not (the Push API's `getKey()` output is often encoded either way).
pub fn decode_base64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

fn parse_p256dh(raw: &str) -> std::result::Result<String, String> {
    const MSG: &str = "must be the subscription's P-256 public key: base64url of an uncompressed point (65 bytes)";
    let bytes = decode_base64url(raw).ok_or(MSG)?;
    if bytes.len() != 65 || bytes[0] != 0x04 {
        return Err(MSG.into());
    }
    p256::PublicKey::from_sec1_bytes(&bytes).map_err(|_| "is not a point on the P-256 curve")?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn parse_auth(raw: &str) -> std::result::Result<String, String> {
    match decode_base64url(raw) {
        Some(bytes) if bytes.len() == 16 => Ok(URL_SAFE_NO_PAD.encode(bytes)),
        _ => Err("must be the subscription's authentication secret: base64url of 16 bytes".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291 Appendix A: the user agent's public key and authentication secret.
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    fn parse(endpoint: &str, allow_loopback: bool) -> Result<WebPushSubscription> {
        WebPushSubscription::parse(endpoint, UA_PUBLIC, AUTH, EndpointPolicy { allow_loopback })
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_a_push_service_subscription() {
        let s = parse("https://fcm.googleapis.com/fcm/send/abc:def", false).unwrap();
        assert_eq!(s.p256dh, UA_PUBLIC);
        assert_eq!(s.auth, AUTH);
        let padded = WebPushSubscription::parse(
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            UA_PUBLIC,
            "BTBZMqHH6r4Tts7J_aSIgg==",
            EndpointPolicy::default(),
        )
        .unwrap();
        assert_eq!(padded.auth, AUTH);
    }

    #[test]
    fn refuses_endpoints_that_are_not_public_https() {
        for bad in [
            "http://push.example.com/x",
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://localhost/x",
            "https://push.localhost/x",
            "https://intranet/x",
            "https://user:pw@push.example.com/x",
            "ftp://push.example.com/x",
            "push.example.com/x",
            "",
        ] {
            assert_eq!(
                fields(parse(bad, false).unwrap_err()),
                ["subscription.endpoint"],
                "{bad}"
            );
        }
    }

    #[test]
    fn loopback_only_when_the_policy_allows() {
        assert!(parse("http://127.0.0.1:4000/push/1", true).is_ok());
        assert!(parse("http://localhost:4000/push/1", true).is_ok());
        assert!(parse("http://10.0.0.8/push/1", true).is_err());
        assert!(parse("http://127.0.0.1:4000/push/1", false).is_err());
    }

    #[test]
    fn refuses_bad_keys_naming_each() {
        let off_curve = URL_SAFE_NO_PAD.encode([&[4u8][..], &[1u8; 64]].concat());
        let e = WebPushSubscription::parse(
            "https://push.example.com/x",
            &off_curve,
            "AAAA",
            EndpointPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(
            fields(e),
            ["subscription.keys.p256dh", "subscription.keys.auth"]
        );
        let compressed = &UA_PUBLIC[..44];
        assert!(
            WebPushSubscription::parse(
                "https://push.example.com/x",
                compressed,
                AUTH,
                EndpointPolicy::default()
            )
            .is_err()
        );
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public_ip(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_public_ip("142.250.200.10".parse().unwrap()));
        assert!(is_public_ip("2a00:1450:4003::200e".parse().unwrap()));
    }
}
