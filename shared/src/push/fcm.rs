//! Firebase Cloud Messaging, HTTP v1: `POST /v1/projects/{id}/messages:send` with an OAuth2
//! access token obtained by the service-account flow (an RS256 JWT exchanged at the token
//! endpoint) and cached until shortly before it expires.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{PushMessage, PushOutcome, PushSetupError, network_retry, retry_after, unix_now};
use crate::config::FcmConfig;

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

struct CachedToken {
    value: String,
    expires_at: u64,
}

pub struct FcmClient {
    http: reqwest::Client,
    send_url: String,
    token_url: String,
    client_email: String,
    key: EncodingKey,
    key_id: Option<String>,
    token: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmClient")
            .field("send_url", &self.send_url)
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
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| PushSetupError(format!("FCM HTTP client: {e}")))?;
        let token_url = cfg
            .token_url
            .clone()
            .or(sa.token_uri)
            .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_owned());
        Ok(Self {
            http,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                cfg.base_url.trim_end_matches('/'),
                cfg.project_id
            ),
            token_url,
            client_email: sa.client_email,
            key,
            key_id: sa.private_key_id,
            token: Mutex::new(None),
        })
    }

    /// The request body for one message (public so tests can assert its shape).
    pub fn body(msg: &PushMessage) -> Value {
        json!({
            "message": {
                "token": msg.device_token,
                "notification": {"title": msg.visible.title, "body": msg.visible.body},
                "data": {
                    "prompt_id": msg.prompt_id,
                    "kind": msg.kind,
                    "idempotency_key": msg.idempotency_key,
                },
                // A repeat after a crash carries the same key: `collapse_key` replaces it in
                // FCM's queue, `notification.tag` replaces it on the phone's screen.
                "android": {
                    "collapse_key": msg.idempotency_key,
                    "notification": {"tag": msg.idempotency_key},
                    "ttl": format!("{}s", msg.ttl_secs),
                    "priority": "HIGH",
                },
                "apns": {
                    "headers": {
                        "apns-collapse-id": super::apns::collapse_id(&msg.idempotency_key),
                        "apns-expiration": (unix_now() + msg.ttl_secs).to_string(),
                        "apns-priority": "10",
                    },
                },
            }
        })
    }

    pub async fn send(&self, msg: &PushMessage) -> PushOutcome {
        let token = match self.access_token().await {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let resp = match self
            .http
            .post(&self.send_url)
            .bearer_auth(&token)
            .json(&Self::body(msg))
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return network_retry(&e),
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status == 401 {
            // The access token was revoked or expired early: fetch a new one next time.
            *self.token.lock().await = None;
        }
        classify(status, after, &body)
    }

    /// A cached access token, or a fresh one from the token endpoint.
    async fn access_token(&self) -> Result<String, PushOutcome> {
        let mut cached = self.token.lock().await;
        let now = unix_now();
        if let Some(t) = cached
            .as_ref()
            .filter(|t| t.expires_at > now + REFRESH_MARGIN_SECS)
        {
            return Ok(t.value.clone());
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
            .http
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
        let value = token.access_token.clone();
        *cached = Some(CachedToken {
            value: token.access_token,
            expires_at: now + token.expires_in,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        let unregistered = json!({"error": {"code": 404, "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}});
        assert!(matches!(
            classify(404, None, &unregistered),
            PushOutcome::InvalidToken { .. }
        ));
        let bad_token = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "The registration token is not a valid FCM registration token"}});
        assert!(matches!(
            classify(400, None, &bad_token),
            PushOutcome::InvalidToken { .. }
        ));
        let other_400 =
            json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "bad ttl"}});
        assert!(matches!(
            classify(400, None, &other_400),
            PushOutcome::Failed { .. }
        ));
        for code in ["SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"] {
            let body = json!({"error": {"code": 403, "status": "PERMISSION_DENIED",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}});
            assert_eq!(
                classify(403, None, &body),
                PushOutcome::Misconfigured {
                    status: Some(403),
                    reason: code.into()
                }
            );
        }
        let denied = json!({"error": {"code": 403, "status": "PERMISSION_DENIED"}});
        assert!(matches!(
            classify(403, None, &denied),
            PushOutcome::Misconfigured { .. }
        ));
        let after = Some(Duration::from_secs(7));
        assert_eq!(
            classify(429, after, &Value::Null),
            PushOutcome::Retry {
                status: Some(429),
                after,
                reason: "HTTP 429".into()
            }
        );
        assert!(matches!(
            classify(503, None, &Value::Null),
            PushOutcome::Retry { .. }
        ));
        assert_eq!(
            classify(200, None, &json!({"name": "projects/p/messages/1"})),
            PushOutcome::Sent {
                provider_id: Some("projects/p/messages/1".into())
            }
        );
    }
}
