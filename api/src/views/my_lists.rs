//! The patient's own lists (docs/CONTRACT.md "v1 additions"): `GET /v1/me/devices` (what the app
//! registered) and `GET /v1/me/check-ins` (what the patient reported). Both are pages
//! (`{items, next_cursor}`) taking `?limit=` and `?cursor=`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::care::check_ins::Reported;
use shared::care::devices::Listed;
use shared::domain::{ApnsEnvironment, CheckInId, DeviceId, Platform, PushProvider};
use shared::domain::{Severity, Symptom};
use shared::time::to_utc;

/// `?limit=` (1–200, default 50) and `?cursor=` (the `next_cursor` of the previous page).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items at most (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::pagination::limit_param")]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; the first page without.
    pub cursor: Option<String>,
}

/// A device the app registered for push. The token (or endpoint) itself is never returned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceSummary {
    pub id: DeviceId,
    pub platform: Platform,
    pub provider: PushProvider,
    /// The APNs host the token is valid on; null for FCM devices.
    #[schema(required = true)]
    pub apns_environment: Option<ApnsEnvironment>,
    /// The app's version as it registered the device; null when it did not say.
    #[schema(required = true)]
    pub app_version: Option<String>,
    /// False once the push service said the token is dead; registering it again revives it.
    pub active: bool,
    /// The push service's reason when it retired the token (e.g. `Unregistered`).
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the push service last accepted a message for it; null when none was sent.
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The token's last 4 characters, to tell devices apart.
    pub token_hint: String,
}

impl From<Listed> for DeviceSummary {
    fn from(l: Listed) -> Self {
        let d = l.device;
        Self {
            token_hint: token_hint(&d.token),
            id: d.id,
            platform: d.platform,
            provider: d.provider,
            apns_environment: d.apns_environment,
            app_version: d.app_version,
            active: d.active,
            last_error: d.last_error,
            created_at: to_utc(d.created_at),
            last_used_at: l.last_used_at.map(to_utc),
        }
    }
}

/// The last 4 characters of a push token: enough to tell devices apart, useless to send with.
pub fn token_hint(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// A page of the caller's devices, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DevicePage {
    pub items: Vec<DeviceSummary>,
    /// The `cursor` of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A check-in as the patient reported it, with what to do about it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInSummary {
    pub id: CheckInId,
    /// Days since the treatment (the patient's local dates; 0 on the treatment's day); `null`
    /// for a check-in that belongs to no treatment.
    #[schema(required = true)]
    pub day: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// 0 (none) – 10 (worst imaginable).
    #[schema(minimum = 0, maximum = 10)]
    pub redness: i32,
    #[schema(minimum = 0, maximum = 10)]
    pub swelling: i32,
    #[schema(minimum = 0, maximum = 10)]
    pub pain: i32,
    pub peeling: bool,
    /// Warning signs reported; `[]` for none.
    pub symptoms: Vec<Symptom>,
    pub severity: Severity,
    /// What to do, in the patient's current language: the check-in triaged again by the
    /// clinic's current protocol and phone against the one before it (what `POST
    /// /v1/me/check-ins` answered, unless the protocol, the language or the phone changed since).
    pub guidance: Vec<String>,
}

impl From<Reported> for CheckInSummary {
    fn from(r: Reported) -> Self {
        let c = r.check_in;
        Self {
            id: c.id,
            day: c.day,
            created_at: to_utc(c.created_at),
            redness: c.redness,
            swelling: c.swelling,
            pain: c.pain,
            peeling: c.peeling,
            symptoms: c.symptoms.0,
            severity: c.severity,
            guidance: r.guidance,
        }
    }
}

/// A page of the caller's check-ins, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInPage {
    pub items: Vec<CheckInSummary>,
    /// The `cursor` of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}
