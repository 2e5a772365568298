//! Apple Push Notification service, provider API over HTTP/2 with token authentication: an
//! ES256 JWT (`kid`, `iss`, `iat`) reused across requests and replaced after ~50 minutes (Apple
//! rejects tokens older than an hour and throttles replacing them more often than every 20).

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::{PushMessage, PushOutcome, PushSetupError, network_retry, retry_after, unix_now};
use crate::config::ApnsConfig;
use crate::domain::ApnsEnvironment;

#[cfg(test)]
mod tests;

/// A provider token is replaced once this old…
pub const REFRESH_AFTER_SECS: u64 = 50 * 60;
/// …and never sooner than this, even when APNs calls it expired.
pub const MIN_REFRESH_SECS: u64 = 20 * 60;

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

/// The signed provider token and when it was issued. Time is passed in so the refresh rules
/// are testable without waiting an hour.
pub struct ProviderToken {
    key: EncodingKey,
    key_id: String,
    team_id: String,
    current: Option<(String, u64)>,
}

impl ProviderToken {
    pub fn new(key: EncodingKey, key_id: &str, team_id: &str) -> Self {
        Self {
            key,
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
            current: None,
        }
    }

    /// The token to use at `now` (unix seconds), signing a new one when due.
    pub fn get(&mut self, now: u64) -> Result<String, jsonwebtoken::errors::Error> {
        if let Some((token, iat)) = &self.current {
            if now.saturating_sub(*iat) < REFRESH_AFTER_SECS {
                return Ok(token.clone());
            }
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let token = jsonwebtoken::encode(
            &header,
            &Claims {
                iss: &self.team_id,
                iat: now,
            },
            &self.key,
        )?;
        self.current = Some((token.clone(), now));
        Ok(token)
    }

    /// APNs said the token expired: drop it, unless it is younger than the 20-minute floor
    /// (then the clock disagrees and a new token would only be throttled).
    pub fn expire(&mut self, now: u64) {
        if let Some((_, iat)) = &self.current {
            if now.saturating_sub(*iat) >= MIN_REFRESH_SECS {
                self.current = None;
            }
        }
    }
}

pub struct ApnsClient {
    http: reqwest::Client,
    base_url: String,
    sandbox_base_url: String,
    topic: String,
    token: Mutex<ProviderToken>,
}

impl std::fmt::Debug for ApnsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsClient")
            .field("base_url", &self.base_url)
            .field("sandbox_base_url", &self.sandbox_base_url)
            .field("topic", &self.topic)
            .finish()
    }
}

/// `apns-collapse-id` is limited to 64 bytes: longer keys are replaced by their SHA-256 (hex).
pub fn collapse_id(idempotency_key: &str) -> String {
    if idempotency_key.len() <= 64 {
        idempotency_key.to_owned()
    } else {
        hex(&Sha256::digest(idempotency_key.as_bytes()))
    }
}

/// `apns-id` must be a UUID: a name-based one derived from the idempotency key, so every repeat
/// of a prompt carries the same id.
pub fn apns_id(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ApnsClient {
    /// Reads the .p8 key; fails loudly at start rather than on the first send.
    pub fn from_config(cfg: &ApnsConfig) -> Result<Self, PushSetupError> {
        let pem = std::fs::read(&cfg.key_file).map_err(|e| {
            PushSetupError(format!("AFTERCARE_APNS_KEY_FILE: {}: {e}", cfg.key_file))
        })?;
        let key = EncodingKey::from_ec_pem(&pem).map_err(|e| {
            PushSetupError(format!(
                "AFTERCARE_APNS_KEY_FILE: not a PKCS#8 EC (P-256) key: {e}"
            ))
        })?;
        let base_url = cfg.base_url.trim_end_matches('/').to_owned();
        let sandbox_base_url = cfg.sandbox_base_url.trim_end_matches('/').to_owned();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30));
        // APNs speaks HTTP/2 only: over TLS it is negotiated by ALPN; plain http (test fakes)
        // needs prior knowledge.
        if base_url.starts_with("http://") || sandbox_base_url.starts_with("http://") {
            builder = builder.http2_prior_knowledge();
        }
        let http = builder
            .build()
            .map_err(|e| PushSetupError(format!("APNs HTTP client: {e}")))?;
        Ok(Self {
            http,
            base_url,
            sandbox_base_url,
            topic: cfg.topic.clone(),
            token: Mutex::new(ProviderToken::new(key, &cfg.key_id, &cfg.team_id)),
        })
    }

    /// The JSON payload, serialised (public so tests can assert its shape): `{"aps": {"alert":
    /// {"title", "body"}, "sound": "default"}, "prompt_id", "kind", "idempotency_key"}`.
    pub fn body(msg: &PushMessage) -> String {
        // Borrowed strings only: serialising them cannot fail.
        serde_json::to_string(&Payload::of(msg)).unwrap_or_default()
    }

    /// Sends to the host the device token is valid on: a sandbox token is rejected by the
    /// production host (`BadDeviceToken`) and the other way round.
    pub async fn send(&self, msg: &PushMessage, env: ApnsEnvironment) -> PushOutcome {
        // The token becomes part of the URL path: anything but hex (a row stored before the
        // API checked tokens' shape) is refused here as APNs would, and the device retired.
        if !is_device_token(&msg.device_token) {
            return PushOutcome::InvalidToken {
                status: 400,
                reason: "BadDeviceToken: not a hexadecimal device token (not sent)".into(),
            };
        }
        let base_url = match env {
            ApnsEnvironment::Production => &self.base_url,
            ApnsEnvironment::Sandbox => &self.sandbox_base_url,
        };
        let now = unix_now();
        let jwt = match self.token.lock().await.get(now) {
            Ok(t) => t,
            Err(e) => {
                return PushOutcome::Misconfigured {
                    status: None,
                    reason: format!("signing the provider token: {e}"),
                };
            }
        };
        let resp = match self
            .http
            .post(format!("{base_url}/3/device/{}", msg.device_token))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", (now + msg.ttl_secs).to_string())
            .header("apns-collapse-id", collapse_id(&msg.idempotency_key))
            .header("apns-id", apns_id(&msg.idempotency_key))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Self::body(msg))
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return network_retry(&e),
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        let id = resp
            .headers()
            .get("apns-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let reason = body["reason"].as_str().unwrap_or_default();
        if reason == "ExpiredProviderToken" {
            self.token.lock().await.expire(unix_now());
        }
        classify(status, after, reason, id)
    }
}

/// The notification as APNs reads it (Apple's "Generating a remote notification"), borrowed from
/// the message and serialised once per send.
#[derive(Serialize)]
struct Payload<'a> {
    aps: Aps<'a>,
    prompt_id: &'a str,
    kind: &'a str,
    idempotency_key: &'a str,
}

#[derive(Serialize)]
struct Aps<'a> {
    alert: Alert<'a>,
    sound: &'static str,
}

#[derive(Serialize)]
struct Alert<'a> {
    title: &'a str,
    body: &'a str,
}

impl<'a> Payload<'a> {
    fn of(msg: &'a PushMessage) -> Self {
        Self {
            aps: Aps {
                alert: Alert {
                    title: &msg.visible.title,
                    body: &msg.visible.body,
                },
                sound: "default",
            },
            prompt_id: &msg.prompt_id,
            kind: &msg.kind,
            idempotency_key: &msg.idempotency_key,
        }
    }
}

/// 400 reasons that name the request's topic, which is ours (`AFTERCARE_APNS_TOPIC`).
const TOPIC_REASONS: [&str; 4] = [
    "DeviceTokenNotForTopic",
    "BadTopic",
    "MissingTopic",
    "TopicDisallowed",
];

/// Maps an APNs answer (status and `reason`) to an outcome.
pub fn classify(
    status: u16,
    after: Option<Duration>,
    reason: &str,
    apns_id: Option<String>,
) -> PushOutcome {
    let reason_or_status = if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        reason.to_owned()
    };
    match (status, reason) {
        (200, _) => PushOutcome::Sent {
            provider_id: apns_id,
        },
        // The topic (our bundle id) or the credentials are wrong: every device would be
        // refused alike, so none is retired (Apple's "Handling notification responses from
        // APNs": 400 topic reasons, 403 certificate and provider-token reasons).
        (400, r) if TOPIC_REASONS.contains(&r) => PushOutcome::Misconfigured {
            status: Some(status),
            reason: reason_or_status,
        },
        // Our provider token aged out (or the clocks disagree): `send` has already dropped
        // it, so the next attempt signs a fresh one; transient, not the operator's.
        (403, "ExpiredProviderToken") => PushOutcome::Retry {
            status: Some(status),
            after,
            reason: reason_or_status,
        },
        (403, _) => PushOutcome::Misconfigured {
            status: Some(status),
            reason: reason_or_status,
        },
        (410, _) | (400, "BadDeviceToken") => PushOutcome::InvalidToken {
            status,
            reason: reason_or_status,
        },
        (429 | 500..=599, _) => PushOutcome::Retry {
            status: Some(status),
            after,
            reason: reason_or_status,
        },
        _ => PushOutcome::Failed {
            status: Some(status),
            reason: reason_or_status,
        },
    }
}

/// An APNs device token as the provider API takes it in `/3/device/<token>`: an even number
/// of hexadecimal digits, 64 to 200 (the API's own check, `api::validate::push_token`).
pub fn is_device_token(token: &str) -> bool {
    (64..=200).contains(&token.len())
        && token.len() % 2 == 0
        && token.bytes().all(|b| b.is_ascii_hexdigit())
}
