//! A browser's Web Push subscription (the `PushSubscription` of the W3C Push API), parsed once:
//! the push service's endpoint URL (RFC 8030 §5, where the worker POSTs each message) and the
//! keys the message is encrypted for (RFC 8291 §2: the user agent's P-256 public key `p256dh`
//! and the 16-byte authentication secret `auth`).
//!
//! The endpoint is a URL the server will call, so it is the door to server-side request
//! forgery: it must be `https` on port 443 with a DNS host name, never an IP literal,
//! `localhost` or a name that resolves to a loopback, private or link-local address (checked
//! here for the literal and again at every send, see [`is_public_ip`], against DNS rebinding). Only a test's
//! [`EndpointPolicy`] lets a loopback `http` fake push service through.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
    ///   DNS name (not an IP literal, `localhost` or `*.localhost`), with no user info and no port
    ///   but 443; with `policy.allow_loopback`, `http`/`https` to a loopback address or
    ///   `localhost` on any port too.
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
    // Push services listen on 443; another port would let a subscription aim at some other
    // service of a public host (OWASP SSRF Prevention Cheat Sheet). `port()` is `None` for the
    // scheme's default, so an explicit `:443` passes.
    if url.port().is_some() {
        return Err("must use the https port 443 of a push service".into());
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

/// Whether a push may be sent to `ip` (an address the endpoint's host resolved to). Refused
/// (RFC 6890 special-purpose registries, IANA IPv4/IPv6 special-purpose address registries):
///
/// - IPv4: "this network" 0.0.0.0/8 (unspecified included), private 10/8, 172.16/12, 192.168/16
///   (RFC 1918), CGNAT shared 100.64/10 (RFC 6598), loopback 127/8, link-local 169.254/16,
///   IETF protocol assignments 192.0.0.0/24 (RFC 6890), documentation 192.0.2/24, 198.51.100/24,
///   203.0.113/24 (RFC 5737), benchmarking 198.18/15 (RFC 2544), multicast 224/4, reserved
///   240/4 and broadcast 255.255.255.255.
/// - IPv6: unspecified, loopback, multicast ff00::/8, unique local fc00::/7 (RFC 4193),
///   link-local fe80::/10, site-local fec0::/10 (deprecated, RFC 3879), documentation
///   2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637).
/// - IPv6 carrying an IPv4 address is judged as that IPv4 address: IPv4-mapped ::ffff:0:0/96
///   and IPv4-compatible ::/96 (RFC 4291 §2.5.5), NAT64 64:ff9b::/96 (RFC 6052) and 6to4
///   2002::/16 (RFC 3056, the IPv4 address in bits 16–47).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x3fff && (s[1] & 0xf000) == 0))
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it: IPv4-mapped,
/// IPv4-compatible (`::a.b.c.d`, but not `::` or `::1`), NAT64 `64:ff9b::/96` and 6to4
/// `2002::/16`.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] && !v6.is_unspecified() && !v6.is_loopback() {
        return Some(low(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
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
mod tests;
