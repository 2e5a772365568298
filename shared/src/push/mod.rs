//! Push notifications. What a push may show on a locked screen is decided here, once: by default
//! a neutral text with no health information; the app fetches the real text after sign-in.

pub mod apns;
pub mod fcm;
pub mod webpush;

use std::time::Duration;

use crate::domain::{Locale, LockScreenPreview};

/// One notification for one device. `idempotency_key` is the prompt's: every send of the same
/// prompt carries it (FCM collapse key and data, APNs `apns-collapse-id`/`apns-id`), so a repeat
/// after a crash collapses at the provider and the app can drop it.
#[derive(Debug, Clone)]
pub struct PushMessage {
    pub device_token: String,
    pub visible: Visible,
    pub prompt_id: String,
    pub kind: String,
    pub idempotency_key: String,
    /// How long the provider should keep trying to reach an offline device.
    pub ttl_secs: u64,
}

/// A provider's answer, classified once for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Accepted; the provider's message id when it gives one.
    Sent { provider_id: Option<String> },
    /// The token is dead (app uninstalled, token rotated): deactivate the device.
    InvalidToken { status: u16, reason: String },
    /// Try again later, no earlier than `after` when the provider said so.
    Retry {
        status: Option<u16>,
        after: Option<Duration>,
        reason: String,
    },
    /// Will not succeed by retrying (a malformed request, a refused payload).
    Failed { status: Option<u16>, reason: String },
    /// The provider refused our own settings, not the device: the app's topic (APNs
    /// `DeviceTokenNotForTopic`, `BadTopic`, `TopicDisallowed`…), the credentials (APNs 403
    /// `InvalidProviderToken`, `BadCertificate`…, but not `ExpiredProviderToken`, a retry with
    /// a freshly signed token; FCM
    /// `THIRD_PARTY_AUTH_ERROR`, `PERMISSION_DENIED`, a refused service account) or the project
    /// (FCM `SENDER_ID_MISMATCH`). The operator's to fix: the device stays active, the prompt
    /// falls back to email, `reason` is the provider's code.
    Misconfigured { status: Option<u16>, reason: String },
}

/// A push client that cannot start (unreadable key or service-account file).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PushSetupError(pub String);

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// Network-level failures are always worth a retry.
pub(crate) fn network_retry(e: &reqwest::Error) -> PushOutcome {
    let reason = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "network"
    };
    PushOutcome::Retry {
        status: None,
        after: None,
        reason: reason.to_owned(),
    }
}

/// The visible part of a push notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    pub title: String,
    pub body: String,
}

/// The neutral lock-screen text (docs/CONTRACT.md, Push payloads).
pub fn neutral_text(locale: Locale) -> Visible {
    match locale {
        Locale::En => Visible {
            title: "Aftercare".into(),
            body: "You have a new care reminder".into(),
        },
        Locale::Es => Visible {
            title: "Cuidados".into(),
            body: "Tienes un nuevo recordatorio de cuidados".into(),
        },
    }
}

/// What the notification shows: the prompt's own text only with `lock_screen_preview: full`.
pub fn visible_text(
    preview: LockScreenPreview,
    locale: Locale,
    title: &str,
    body: &str,
) -> Visible {
    match preview {
        LockScreenPreview::Private => neutral_text(locale),
        LockScreenPreview::Full => Visible {
            title: title.to_owned(),
            body: body.to_owned(),
        },
    }
}

/// Seconds since the epoch, for provider-token claims.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_preview_hides_the_prompt() {
        let v = visible_text(
            LockScreenPreview::Private,
            Locale::En,
            "Redness check",
            "Is the redness fading?",
        );
        assert!(!v.title.contains("Redness") && !v.body.contains("redness"));
        let v = visible_text(LockScreenPreview::Full, Locale::Es, "T", "B");
        assert_eq!((v.title.as_str(), v.body.as_str()), ("T", "B"));
    }
}
