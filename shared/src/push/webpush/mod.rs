//! Web Push: one message to a browser's push subscription through its push service.
//!
//! - RFC 8030 (the push protocol): `POST <endpoint>` with `TTL` (seconds the service keeps an
//!   undelivered message), `Urgency` (§5.3: `high` for urgent prompts, else `normal`) and
//!   `Topic` (§5.4: a later message with the same topic replaces an undelivered one; at most
//!   32 characters of the URL-safe base64 alphabet). 201 (or any 2xx) is accepted; 404 and 410
//!   mean the subscription is gone, and so do 401 and 403 (it does not accept our VAPID key,
//!   see [`classify`]); 429 carries `Retry-After`. A request takes at most 10 s, never goes
//!   through a proxy and connects only to public addresses.
//! - RFC 8291 (message encryption): the payload is encrypted `aes128gcm` (RFC 8188) for the
//!   subscription's P-256 key and authentication secret, by the `web-push-native` crate.
//! - RFC 8292 (VAPID): every request is signed with our key ([`vapid::VapidKey`]).
//!
//! The payload is the JSON the web app's service worker (`/app/sw.js`) reads:
//! `{"title", "body", "url": "/app/prompts/<prompt id>", "tag": "<topic>"}`; the title and body
//! follow the lock-screen preview rule of [`super::visible_text`]. Nothing here logs an
//! endpoint, key or token.

mod resolve;
#[cfg(test)]
mod tests;
pub mod vapid;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::{PushMessage, PushOutcome, PushSetupError, Visible, retry_after, unix_now};
use crate::config::WebPushConfig;
use crate::domain::EndpointPolicy;
use crate::domain::web_push::decode_base64url;
pub use vapid::VapidKey;

/// The longest `TTL` sent: a care reminder is stale after half a day.
pub const MAX_TTL_SECS: u64 = 12 * 3600;
/// The longest pause a push service's `Retry-After` imposes on its origin.
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// A cached VAPID token is re-signed once it has less than this left.
const RESIGN_MARGIN_SECS: u64 = 3600;
/// The most push service origins remembered (signed tokens, pauses): endpoints are chosen by
/// browsers, so the maps are bounded; past this the expired entries go, then all of them (a
/// token is re-signed, a pause forgotten).
const MAX_ORIGINS: usize = 1000;
/// The longest a whole request to a push service may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A subscription to send to: the endpoint and its keys as stored (base64url).
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// The payload the service worker shows (the agreed shape; see the module documentation).
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub title: String,
    pub body: String,
    pub url: String,
    pub tag: String,
}

impl Payload {
    pub fn new(visible: &Visible, prompt_id: &str, idempotency_key: &str) -> Self {
        Self {
            title: visible.title.clone(),
            body: visible.body.clone(),
            url: format!("/app/prompts/{prompt_id}"),
            tag: topic(idempotency_key),
        }
    }
}

/// The RFC 8030 §5.4 `Topic` for a prompt's idempotency key: the first 32 characters of the
/// unpadded base64url SHA-256 of the key (URL-safe alphabet, fixed length, the same for every
/// send of the prompt).
pub fn topic(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let mut t = URL_SAFE_NO_PAD.encode(digest);
    t.truncate(32);
    t
}

/// Sends Web Push messages, signed with the VAPID key.
pub struct WebPushClient {
    http: reqwest::Client,
    key: VapidKey,
    subject: String,
    policy: EndpointPolicy,
    /// Signed tokens by push service origin, with their expiry (unix seconds).
    tokens: Mutex<HashMap<String, (String, u64)>>,
    /// Push service origins that answered 429, and until when they are left alone.
    paused: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for WebPushClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPushClient")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl WebPushClient {
    /// The client for `cfg`'s key (the configured one, or the one kept in the database, see
    /// `crate::care::web_push::provision`); `None` when Web Push is off (no key).
    ///
    /// # Errors
    /// An unreadable key (already checked at start) or an HTTP client that cannot start.
    pub fn from_config(cfg: &WebPushConfig) -> Result<Option<Self>, PushSetupError> {
        let Some(raw) = &cfg.vapid_private_key else {
            return Ok(None);
        };
        let key = VapidKey::parse(raw.expose())
            .map_err(|m| PushSetupError(format!("AFTERCARE_VAPID_PRIVATE_KEY: {m}")))?;
        Self::new(key, cfg.subject.clone(), cfg.endpoint_policy()).map(Some)
    }

    /// # Errors
    /// The HTTP client cannot start.
    pub fn new(
        key: VapidKey,
        subject: String,
        policy: EndpointPolicy,
    ) -> Result<Self, PushSetupError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(REQUEST_TIMEOUT)
            // An endpoint someone else chose must not reach an outbound proxy of ours, which would
            // then connect to it without the public-address check of the resolver below
            // (`HTTPS_PROXY` and friends are ignored).
            .no_proxy()
            // A redirect would lead the request somewhere the endpoint check never saw.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolve::PublicOnly {
                allow_loopback: policy.allow_loopback,
            }))
            .build()
            .map_err(|e| PushSetupError(format!("Web Push HTTP client: {e}")))?;
        Ok(Self {
            http,
            key,
            subject,
            policy,
            tokens: Mutex::new(HashMap::new()),
            paused: Mutex::new(HashMap::new()),
        })
    }

    /// The public key browsers subscribe with.
    pub fn public_key(&self) -> &str {
        self.key.public_key()
    }

    /// Encrypts and sends `msg` to `to`. `urgent` sets `Urgency: high`. The `TTL` is
    /// `msg.ttl_secs`, at most [`MAX_TTL_SECS`].
    pub async fn send(&self, msg: &PushMessage, to: Subscription<'_>, urgent: bool) -> PushOutcome {
        let url = match reqwest::Url::parse(to.endpoint) {
            Ok(u) if matches!(u.scheme(), "https" | "http") => u,
            _ => return failed(None, "Web Push endpoint is not a URL"),
        };
        // An IP literal never goes through the resolver: judge it here (stored endpoints are
        // checked at registration; this keeps the rule if that ever changes).
        if let Some(ip) = url
            .host_str()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
            && !resolve::permitted(ip, self.policy.allow_loopback)
        {
            return failed(None, "Web Push endpoint is not a public address");
        }
        let origin = url.origin().ascii_serialization();
        if let Some(left) = self.paused_for(&origin) {
            return PushOutcome::Retry {
                status: Some(429),
                after: Some(left),
                reason: "HTTP 429 (push service asked to wait)".into(),
            };
        }
        let body = match encrypt(msg, to) {
            Ok(b) => b,
            Err(reason) => return failed(None, reason),
        };
        let authorization = match self.authorization(&origin) {
            Ok(a) => a,
            Err(reason) => {
                return PushOutcome::Misconfigured {
                    status: None,
                    reason,
                };
            }
        };
        let resp = self
            .http
            .post(url)
            .header("TTL", msg.ttl_secs.min(MAX_TTL_SECS).to_string())
            .header("Urgency", if urgent { "high" } else { "normal" })
            .header("Topic", topic(&msg.idempotency_key))
            .header(reqwest::header::CONTENT_ENCODING, "aes128gcm")
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::AUTHORIZATION, authorization)
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) if resolve::refused(&e) => {
                return failed(None, "Web Push endpoint resolves to no public address");
            }
            Err(e) => return super::network_retry(&e),
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        if status == 429 {
            self.pause(&origin, after);
        }
        classify(status, after)
    }

    /// A signed VAPID token for `origin`, re-used until an hour before it expires.
    fn authorization(&self, origin: &str) -> Result<String, String> {
        let now = unix_now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((header, exp)) = tokens.get(origin)
            && *exp > now + RESIGN_MARGIN_SECS
        {
            return Ok(header.clone());
        }
        let header = self.key.authorization(origin, &self.subject, now)?;
        if tokens.len() >= MAX_ORIGINS {
            tokens.retain(|_, (_, exp)| *exp > now + RESIGN_MARGIN_SECS);
            if tokens.len() >= MAX_ORIGINS {
                tokens.clear();
            }
        }
        tokens.insert(
            origin.to_owned(),
            (header.clone(), now + vapid::TOKEN_LIFETIME_SECS),
        );
        Ok(header)
    }

    fn paused_for(&self, origin: &str) -> Option<Duration> {
        let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
        let until = *paused.get(origin)?;
        let left = until.checked_duration_since(Instant::now());
        if left.is_none() {
            paused.remove(origin);
        }
        left
    }

    /// A 429 pauses every send to that push service's origin from this process for its
    /// `Retry-After` (at most an hour; a 429 without one is retried by the prompt's backoff).
    fn pause(&self, origin: &str, after: Option<Duration>) {
        if let Some(after) = after.filter(|d| !d.is_zero()) {
            let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
            if paused.len() >= MAX_ORIGINS {
                let now = Instant::now();
                paused.retain(|_, until| *until > now);
                if paused.len() >= MAX_ORIGINS {
                    paused.clear();
                }
            }
            paused.insert(origin.to_owned(), Instant::now() + after.min(MAX_PAUSE));
        }
    }
}

fn failed(status: Option<u16>, reason: impl Into<String>) -> PushOutcome {
    PushOutcome::Failed {
        status,
        reason: reason.into(),
    }
}

/// The encrypted body (RFC 8291, `aes128gcm`) of `msg`'s [`Payload`] for `to`.
fn encrypt(msg: &PushMessage, to: Subscription<'_>) -> Result<Vec<u8>, String> {
    let payload = Payload::new(&msg.visible, &msg.prompt_id, &msg.idempotency_key);
    let plain = serde_json::to_vec(&payload).map_err(|e| format!("Web Push payload: {e}"))?;
    let public = decode_base64url(to.p256dh)
        .and_then(|b| p256::PublicKey::from_sec1_bytes(&b).ok())
        .ok_or("Web Push subscription key p256dh is not a P-256 point")?;
    let auth = decode_base64url(to.auth)
        .filter(|b| b.len() == 16)
        .ok_or("Web Push subscription auth secret is not 16 bytes")?;
    let auth = web_push_native::Auth::clone_from_slice(&auth);
    web_push_native::encrypt(plain, &public, &auth).map_err(|e| format!("Web Push encryption: {e}"))
}

/// A push service's answer (RFC 8030 §5, §8.4; RFC 8292 §4.2).
pub fn classify(status: u16, after: Option<Duration>) -> PushOutcome {
    match status {
        200..=299 => PushOutcome::Sent { provider_id: None },
        404 | 410 => PushOutcome::InvalidToken {
            status,
            reason: format!("Web Push {status} subscription gone"),
        },
        429 => PushOutcome::Retry {
            status: Some(429),
            after,
            reason: "HTTP 429 (push service rate limit)".into(),
        },
        // The subscription does not accept our VAPID token or key (RFC 8292 §4.2: 401, 403; a
        // subscription is bound to the key it was made with, RFC 8292 §4.1, so after a key
        // change every old one answers so). The endpoint is chosen by the browser's user, who
        // could also answer 401 from a host of their own: the device is retired (turning
        // notifications on again subscribes with the current key), never an operator alarm.
        401 | 403 => PushOutcome::InvalidToken {
            status,
            reason: format!("Web Push {status} subscription gone (our push key not accepted)"),
        },
        // A request the push service could not read: one failed attempt for this device.
        400 => {
            tracing::warn!(
                status,
                "Web Push request refused as malformed by the push service (RFC 8030 section 5)"
            );
            failed(Some(status), "Web Push 400 request refused")
        }
        413 => {
            tracing::warn!(
                status,
                "Web Push payload too large for the push service (RFC 8030 section 7.2 allows 4096 bytes)"
            );
            failed(Some(status), "Web Push 413 payload too large")
        }
        500..=599 => PushOutcome::Retry {
            status: Some(status),
            after,
            reason: format!("HTTP {status}"),
        },
        _ => failed(Some(status), format!("Web Push {status}")),
    }
}
