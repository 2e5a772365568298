//! The FCM HTTP v1 `messages:send` request body and the part of its answer the worker keeps.

use serde::{Deserialize, Serialize};

use super::super::PushMessage;

/// The v1 `messages:send` request body (`{"message": {...}}`), borrowed from the message and
/// serialised once per send.
#[derive(Serialize)]
pub(super) struct SendRequest<'a> {
    message: Message<'a>,
}

#[derive(Serialize)]
struct Message<'a> {
    token: &'a str,
    notification: Notification<'a>,
    data: Data<'a>,
    android: Android<'a>,
    apns: ApnsConfig,
}

#[derive(Serialize)]
struct Notification<'a> {
    title: &'a str,
    body: &'a str,
}

#[derive(Serialize)]
struct Data<'a> {
    prompt_id: &'a str,
    kind: &'a str,
    idempotency_key: &'a str,
}

/// A repeat after a crash carries the same key: `collapse_key` replaces it in FCM's queue,
/// `notification.tag` replaces it on the phone's screen.
#[derive(Serialize)]
struct Android<'a> {
    collapse_key: &'a str,
    notification: AndroidNotification<'a>,
    /// Seconds as a protobuf `Duration` string (`"43200s"`).
    ttl: String,
    priority: &'static str,
}

#[derive(Serialize)]
struct AndroidNotification<'a> {
    tag: &'a str,
}

#[derive(Serialize)]
struct ApnsConfig {
    headers: ApnsHeaders,
}

#[derive(Serialize)]
struct ApnsHeaders {
    #[serde(rename = "apns-collapse-id")]
    collapse_id: String,
    /// Unix seconds, as a string (APNs headers are strings).
    #[serde(rename = "apns-expiration")]
    expiration: String,
    #[serde(rename = "apns-priority")]
    priority: &'static str,
}

/// What a 2xx answer carries that the worker keeps: the message's name
/// (`projects/<id>/messages/<n>`), the provider id of the attempt.
#[derive(Deserialize)]
pub(super) struct Accepted {
    pub name: Option<String>,
}

impl<'a> SendRequest<'a> {
    pub(super) fn of(msg: &'a PushMessage) -> Self {
        Self {
            message: Message {
                token: &msg.device_token,
                notification: Notification {
                    title: &msg.visible.title,
                    body: &msg.visible.body,
                },
                data: Data {
                    prompt_id: &msg.prompt_id,
                    kind: &msg.kind,
                    idempotency_key: &msg.idempotency_key,
                },
                android: Android {
                    collapse_key: &msg.idempotency_key,
                    notification: AndroidNotification {
                        tag: &msg.idempotency_key,
                    },
                    ttl: format!("{}s", msg.ttl_secs),
                    priority: "HIGH",
                },
                apns: ApnsConfig {
                    headers: ApnsHeaders {
                        collapse_id: super::super::apns::collapse_id(&msg.idempotency_key),
                        expiration: (super::unix_now() + msg.ttl_secs).to_string(),
                        priority: "10",
                    },
                },
            },
        }
    }
}
