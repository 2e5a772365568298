//! Firebase Cloud Messaging, HTTP v1: `POST /v1/projects/{id}/messages:send` with an OAuth2
//! access token obtained by the service-account flow (an RS256 JWT exchanged at the token
//! endpoint) and cached until shortly before it expires.

use std::sync::RwLock;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{PushMessage, PushOutcome, PushSetupError, network_retry, retry_after, unix_now};
use crate::config::{FcmConfig, HttpVersion};

mod message;
#[cfg(test)]
mod tests;

use message::{Accepted, SendRequest};

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// A cached access token is replaced this long before it expires.
const REFRESH_MARGIN_SECS: u64 = 300;

#[derive(Deserialize)]
struct ServiceAccount {
    client_email: String,
    private_key: String,
    private_key_id: Option<String>,
    token_uri: Option<String>,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// An access token as the `Authorization` header every send carries, built once per token.
struct CachedToken {
    header: HeaderValue,
    expires_at: u64,
}

pub struct FcmClient {
    /// For `messages:send`, in the version `AFTERCARE_FCM_HTTP` names.
    http: reqwest::Client,
    /// For the token endpoint.
    token_http: reqwest::Client,
    send_url: reqwest::Url,
    token_url: String,
    client_email: String,
    key: EncodingKey,
    key_id: Option<String>,
    /// The current access token; read by every send without waiting.
    token: RwLock<Option<CachedToken>>,
    /// Held while a new token is fetched, so concurrent sends fetch one, not one each.
    refresh: Mutex<()>,
}

impl std::fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmClient")
            .field("send_url", &self.send_url.as_str())
            .finish()
    }
}

impl FcmClient {
    /// Reads the service-account file; fails loudly at start rather than on the first send.
    pub fn from_config(cfg: &FcmConfig) -> Result<Self, PushSetupError> {
        let file = &cfg.service_account_file;
        let raw = std::fs::read_to_string(file).map_err(|e| {
            PushSetupError(format!("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE: {file}: {e}"))
        })?;
        let sa: ServiceAccount = serde_json::from_str(&raw).map_err(|e| {
            PushSetupError(format!(
                "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE: not a service-account JSON: {e}"
            ))
        })?;
        let key = EncodingKey::from_rsa_pem(sa.private_key.as_bytes()).map_err(|e| {
            PushSetupError(format!(
                "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE: private_key is not an RSA PEM key: {e}"
            ))
        })?;
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(30))
        };
        // The token endpoint is Google's OAuth service (or its override), spoken to as any
        // HTTPS endpoint: the setting names the version of the send endpoint only.
        let token_http = builder()
            .build()
            .map_err(|e| PushSetupError(format!("FCM token HTTP client: {e}")))?;
        let builder = match cfg.http {
            HttpVersion::Auto => builder(),
            HttpVersion::Http1 => builder().http1_only(),
            HttpVersion::Http2 => builder().http2_prior_knowledge(),
        };
        let http = builder
            .build()
            .map_err(|e| PushSetupError(format!("FCM HTTP client: {e}")))?;
        let token_url = cfg
            .token_url
            .clone()
            .or(sa.token_uri)
            .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_owned());
        let send_url = format!(
            "{}/v1/projects/{}/messages:send",
            cfg.base_url.trim_end_matches('/'),
            cfg.project_id
        );
        let send_url = reqwest::Url::parse(&send_url).map_err(|e| {
            PushSetupError(format!(
                "AFTERCARE_FCM_BASE_URL / AFTERCARE_FCM_PROJECT_ID: {send_url}: {e}"
            ))
        })?;
        Ok(Self {
            http,
            token_http,
            send_url,
            token_url,
            client_email: sa.client_email,
            key,
            key_id: sa.private_key_id,
            token: RwLock::new(None),
            refresh: Mutex::new(()),
        })
    }

    /// The request body for one message, serialised (public so tests can assert its shape):
    /// `{"message": {"token", "notification": {"title", "body"}, "data": {"prompt_id", "kind",
    /// "idempotency_key"}, "android": {"collapse_key", "notification": {"tag"}, "ttl",
    /// "priority"}, "apns": {"headers": {"apns-collapse-id", "apns-expiration",
    /// "apns-priority"}}}}`.
    pub fn body(msg: &PushMessage) -> String {
        // Serialising borrowed strings and two small ones cannot fail.
        serde_json::to_string(&SendRequest::of(msg)).unwrap_or_default()
    }

    pub async fn send(&self, msg: &PushMessage) -> PushOutcome {
        let authorization = match self.access_token().await {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let body = match serde_json::to_vec(&SendRequest::of(msg)) {
            Ok(body) => body,
            Err(e) => {
                return PushOutcome::Failed {
                    status: None,
                    reason: format!("FCM request body: {e}"),
                };
            }
        };
        let resp = match self
            .http
            .post(self.send_url.clone())
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return network_retry(&e),
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        let body = resp.bytes().await.unwrap_or_default();
        if (200..300).contains(&status) {
            // The common answer is read into the one field kept, not into a JSON tree.
            let name = serde_json::from_slice::<Accepted>(&body)
                .ok()
                .and_then(|a| a.name);
            return PushOutcome::Sent { provider_id: name };
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == 401 {
            // The access token was revoked or expired early: fetch a new one next time.
            self.forget_token();
        }
        classify(status, after, &body)
    }

    fn forget_token(&self) {
        if let Ok(mut cached) = self.token.write() {
            *cached = None;
        }
    }

    /// The cached token's `Authorization` header while it has more than
    /// [`REFRESH_MARGIN_SECS`] left.
    fn cached_token(&self, now: u64) -> Option<HeaderValue> {
        let cached = self.token.read().ok()?;
        cached
            .as_ref()
            .filter(|t| t.expires_at > now + REFRESH_MARGIN_SECS)
            .map(|t| t.header.clone())
    }

    /// The `Authorization` header of a cached access token, or of a fresh one from the token
    /// endpoint (one fetch at a time; the others wait for it and use it).
    async fn access_token(&self) -> Result<HeaderValue, PushOutcome> {
        if let Some(header) = self.cached_token(unix_now()) {
            return Ok(header);
        }
        let _refreshing = self.refresh.lock().await;
        let now = unix_now();
        if let Some(header) = self.cached_token(now) {
            return Ok(header);
        }
        let claims = AssertionClaims {
            iss: &self.client_email,
            scope: SCOPE,
            aud: &self.token_url,
            iat: now,
            exp: now + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key_id.clone();
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            PushOutcome::Misconfigured {
                status: None,
                reason: format!("signing the token request: {e}"),
            }
        })?;
        let resp = self
            .token_http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| network_retry(&e))?;
        let status = resp.status().as_u16();
        if matches!(status, 400 | 401 | 403) {
            // The service account was refused (a revoked or wrong key, `invalid_grant`): the
            // operator's to fix; the prompt falls back to email meanwhile.
            return Err(PushOutcome::Misconfigured {
                status: None,
                reason: format!("token endpoint answered {status}"),
            });
        }
        if !resp.status().is_success() {
            // A busy or failing token endpoint: retry.
            // No status: a throttled token endpoint is Google's OAuth service, not the
            // project's FCM quota, and must not pause every worker's sends.
            return Err(PushOutcome::Retry {
                status: None,
                after: retry_after(resp.headers()),
                reason: format!("token endpoint answered {status}"),
            });
        }
        let token: TokenResponse = resp.json().await.map_err(|_| PushOutcome::Retry {
            status: Some(status),
            after: None,
            reason: "token endpoint sent an unreadable answer".into(),
        })?;
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.access_token)).map_err(|_| {
                PushOutcome::Retry {
                    status: Some(status),
                    after: None,
                    reason: "token endpoint sent a token that is not a header value".into(),
                }
            })?;
        value.set_sensitive(true);
        if let Ok(mut cached) = self.token.write() {
            *cached = Some(CachedToken {
                header: value.clone(),
                expires_at: now + token.expires_in,
            });
        }
        Ok(value)
    }
}

/// Maps an FCM v1 answer to an outcome (see the `ErrorCode` list of the v1 API).
pub fn classify(status: u16, after: Option<Duration>, body: &Value) -> PushOutcome {
    let error_code = body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .unwrap_or_default()
        .to_owned();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    let reason = if error_code.is_empty() {
        body["error"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    } else {
        error_code.clone()
    };
    match status {
        200..=299 => PushOutcome::Sent {
            provider_id: body["name"].as_str().map(str::to_owned),
        },
        404 => PushOutcome::InvalidToken {
            status,
            reason: if reason.is_empty() {
                "UNREGISTERED".into()
            } else {
                reason
            },
        },
        _ if error_code == "UNREGISTERED" => PushOutcome::InvalidToken { status, reason },
        // Our project or credentials, not the device: a token of another Firebase project
        // (`SENDER_ID_MISMATCH`: every token is, when AFTERCARE_FCM_PROJECT_ID is wrong), the
        // APNs key uploaded to Firebase (`THIRD_PARTY_AUTH_ERROR`), a service account without
        // the permission (403 `PERMISSION_DENIED`).
        _ if error_code == "SENDER_ID_MISMATCH" || error_code == "THIRD_PARTY_AUTH_ERROR" => {
            PushOutcome::Misconfigured {
                status: Some(status),
                reason,
            }
        }
        403 => PushOutcome::Misconfigured {
            status: Some(status),
            reason: if reason.is_empty() {
                "PERMISSION_DENIED".into()
            } else {
                reason
            },
        },
        400 if message.contains("not a valid FCM registration token") => {
            PushOutcome::InvalidToken {
                status,
                reason: "INVALID_REGISTRATION_TOKEN".into(),
            }
        }
        401 | 429 | 500..=599 => PushOutcome::Retry {
            status: Some(status),
            after,
            reason: if reason.is_empty() {
                format!("HTTP {status}")
            } else {
                reason
            },
        },
        _ => PushOutcome::Failed {
            status: Some(status),
            reason: if reason.is_empty() {
                format!("HTTP {status}")
            } else {
                reason
            },
        },
    }
}
