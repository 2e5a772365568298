//! The Twilio Programmable Messaging API, `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
//! (www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource), or any
//! provider offering the same shape: a form-encoded request (`To`, `From` or
//! `MessagingServiceSid`, `Body`, `StatusCallback`) with HTTP Basic authentication (account SID
//! and auth token), answered `201` with the message resource (`sid`, the `MessageSid`, and
//! `status`) or an error resource `{code, message, more_info, status}` whose `code` is
//! Twilio's error code (www.twilio.com/docs/api/errors).
//!
//! The Messages API has no idempotency key: a request repeated after a crash is a second text.
//! The worker guards against that with a `pending` record written before the request
//! (`crate::care::sms_sends`). Redirects are not followed (the answer is the API's own, or an
//! error), and the error resource's `message` is never kept: it quotes the recipient's number.

use std::time::Duration;

use serde_json::Value;

use crate::config::{Secret, SmsConfig, SmsSender};
use crate::push::{PushOutcome, PushSetupError, network_retry, retry_after};

/// Twilio error codes that mean "too many requests": 20429 (Too Many Requests) and 14107
/// (the account's message rate limit): back off, and pause every worker's texts.
pub const RATE_LIMIT_CODES: [i64; 2] = [20429, 14107];

/// The Messages API client, built once at start.
pub struct SmsClient {
    http: reqwest::Client,
    messages_url: String,
    account_sid: String,
    auth_token: Secret<String>,
    sender: SmsSender,
    status_callback: String,
}

impl std::fmt::Debug for SmsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsClient")
            .field("messages_url", &self.messages_url)
            .finish()
    }
}

impl SmsClient {
    /// A client for `cfg`; `public_url` (`AFTERCARE_PUBLIC_URL`, no trailing `/`) gives the
    /// status callback `{public_url}/v1/webhooks/sms/status`.
    ///
    /// # Errors
    /// The HTTP client cannot be built (no TLS roots).
    pub fn from_config(cfg: &SmsConfig, public_url: &str) -> Result<Self, PushSetupError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PushSetupError(format!("SMS HTTP client: {e}")))?;
        Ok(Self {
            http,
            messages_url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                cfg.base_url.trim_end_matches('/'),
                cfg.account_sid
            ),
            account_sid: cfg.account_sid.clone(),
            auth_token: cfg.auth_token.clone(),
            sender: cfg.sender.clone(),
            status_callback: format!(
                "{}/v1/webhooks/sms/status",
                public_url.trim_end_matches('/')
            ),
        })
    }

    /// The auth token, which also signs the provider's callbacks (`X-Twilio-Signature`).
    pub fn auth_token(&self) -> &str {
        self.auth_token.expose()
    }

    /// Who texts go from.
    pub fn sender(&self) -> &SmsSender {
        &self.sender
    }

    /// Where the provider posts delivery receipts.
    pub fn status_callback(&self) -> &str {
        &self.status_callback
    }

    /// The request's form fields, in this order: `To`, `From` or `MessagingServiceSid`,
    /// `Body`, `StatusCallback`.
    pub fn form(&self, to: &str, body: &str) -> Vec<(&'static str, String)> {
        let from = match &self.sender {
            SmsSender::From(number) => ("From", number.clone()),
            SmsSender::MessagingService(sid) => ("MessagingServiceSid", sid.clone()),
        };
        vec![
            ("To", to.to_owned()),
            from,
            ("Body", body.to_owned()),
            ("StatusCallback", self.status_callback.clone()),
        ]
    }

    /// Sends one text to `to` (E.164) and classifies the answer ([`classify`]); network
    /// failures and timeouts are [`PushOutcome::Retry`].
    pub async fn send(&self, to: &str, body: &str) -> PushOutcome {
        let resp = match self
            .http
            .post(&self.messages_url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&self.form(to, body))
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return network_retry(&e),
        };
        let status = resp.status().as_u16();
        let after = retry_after(resp.headers());
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        classify(status, after, &body)
    }
}

/// Maps a Messages API answer to an outcome, by HTTP status and Twilio error `code`:
///
/// | answer | outcome |
/// |---|---|
/// | 2xx | `Sent { provider_id: sid }` |
/// | 429, or code 20429 / 14107 | `Retry` (with `Retry-After`; reason `twilio_<code>` or `HTTP 429`) |
/// | 401, or code 20003 (authentication), 20404 (no such account or service), 21212 / 21606 (the `From` number is not ours or cannot send), 21408 (the region is not enabled) | `Misconfigured` |
/// | code 21211 (not a valid number), 21614 (not a mobile number) | `InvalidToken` |
/// | code 21610 (the recipient texted STOP to the provider) | `Failed`, reason `recipient_opted_out` |
/// | 5xx | `Retry` |
/// | any other | `Failed`, reason `twilio_<code>` or `HTTP <status>` |
pub fn classify(status: u16, after: Option<Duration>, body: &Value) -> PushOutcome {
    let code = body["code"].as_i64();
    let reason = match code {
        Some(c) => format!("twilio_{c}"),
        None => format!("HTTP {status}"),
    };
    match (status, code) {
        (200..=299, _) => PushOutcome::Sent {
            provider_id: body["sid"].as_str().map(str::to_owned),
        },
        (429, _) => PushOutcome::Retry {
            status: Some(status),
            after,
            reason,
        },
        (_, Some(c)) if RATE_LIMIT_CODES.contains(&c) => PushOutcome::Retry {
            status: Some(status),
            after,
            reason,
        },
        (401, _) | (_, Some(20003 | 20404 | 21212 | 21606 | 21408)) => PushOutcome::Misconfigured {
            status: Some(status),
            reason,
        },
        (_, Some(21211 | 21614)) => PushOutcome::InvalidToken { status, reason },
        (_, Some(21610)) => PushOutcome::Failed {
            status: Some(status),
            reason: "recipient_opted_out".to_owned(),
        },
        (500..=599, _) => PushOutcome::Retry {
            status: Some(status),
            after,
            reason,
        },
        _ => PushOutcome::Failed {
            status: Some(status),
            reason,
        },
    }
}

/// Whether `outcome` is the provider's "too many requests" (HTTP 429, or a rate-limit code),
/// which pauses the sender for every worker; its `Retry-After` when it gave one.
pub fn throttled(outcome: &PushOutcome) -> Option<Option<Duration>> {
    match outcome {
        PushOutcome::Retry {
            status,
            after,
            reason,
        } if *status == Some(429)
            || RATE_LIMIT_CODES
                .iter()
                .any(|c| *reason == format!("twilio_{c}")) =>
        {
            Some(*after)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error(code: i64, status: u16) -> Value {
        json!({"code": code, "message": "The 'To' number +34600111222 is not valid.",
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status})
    }

    #[test]
    fn answers_are_classified_by_status_and_code() {
        assert_eq!(
            classify(201, None, &json!({"sid": "SM0123", "status": "queued"})),
            PushOutcome::Sent {
                provider_id: Some("SM0123".into())
            }
        );
        let after = Some(Duration::from_secs(3));
        let limited = classify(429, after, &error(20429, 429));
        assert_eq!(
            limited,
            PushOutcome::Retry {
                status: Some(429),
                after,
                reason: "twilio_20429".into()
            }
        );
        assert_eq!(throttled(&limited), Some(after));
        let rate = classify(400, None, &error(14107, 400));
        assert!(matches!(rate, PushOutcome::Retry { .. }));
        assert_eq!(throttled(&rate), Some(None));
        assert!(matches!(
            classify(400, None, &error(21211, 400)),
            PushOutcome::InvalidToken { status: 400, .. }
        ));
        assert!(matches!(
            classify(400, None, &error(21614, 400)),
            PushOutcome::InvalidToken { .. }
        ));
        assert_eq!(
            classify(400, None, &error(21610, 400)),
            PushOutcome::Failed {
                status: Some(400),
                reason: "recipient_opted_out".into()
            }
        );
        for (status, code) in [(401, 20003), (404, 20404), (400, 21606), (400, 21212)] {
            assert!(matches!(
                classify(status, None, &error(code, status)),
                PushOutcome::Misconfigured { .. }
            ));
        }
        assert!(matches!(
            classify(401, None, &Value::Null),
            PushOutcome::Misconfigured { .. }
        ));
        let busy = classify(503, None, &Value::Null);
        assert_eq!(
            busy,
            PushOutcome::Retry {
                status: Some(503),
                after: None,
                reason: "HTTP 503".into()
            }
        );
        assert_eq!(throttled(&busy), None);
        assert_eq!(
            classify(400, None, &error(21602, 400)),
            PushOutcome::Failed {
                status: Some(400),
                reason: "twilio_21602".into()
            }
        );
    }

    #[test]
    fn no_reason_quotes_the_providers_message() {
        for (status, code) in [(400, 21211), (400, 21610), (400, 21602), (429, 20429)] {
            let outcome = classify(status, None, &error(code, status));
            assert!(!format!("{outcome:?}").contains("+34600111222"));
        }
    }
}
