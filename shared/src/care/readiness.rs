//! What the readiness probes (`/readyz` of the API and of a standalone worker) say: the
//! database's state, which decides the answer's status, and, for the operator, the delivery
//! channels left without settings and the push providers' refusals of our own settings, which
//! do not (an API replica taken out of its load balancer would not fix either; the start-up
//! warnings, `aftercare_push_config_errors_total` and the ERROR log lines are the alarm).

use super::Db;
use crate::config::{Config, Environment};
use crate::db::migrate;
use crate::domain::PushProvider;
use crate::metrics::Metrics;

/// `ok`, `migrations pending` or `unreachable`: the database answers and every embedded
/// migration is applied, it answers but is behind, or it does not answer (logged as a warning).
/// Never an error: the probe reports, it does not fail.
pub async fn database_state(db: &Db) -> &'static str {
    match db.run(migrate::is_up_to_date).await {
        Ok(true) => "ok",
        Ok(false) => "migrations pending",
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            "unreachable"
        }
    }
}

/// A delivery channel the configuration can leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryService {
    /// `AFTERCARE_SMTP_HOST`: without it every email (prompts, invitations, clinic alerts) is
    /// written to the log only.
    Smtp,
    /// `AFTERCARE_FCM_*`: without it Android (and FCM-token) devices are skipped.
    Fcm,
    /// `AFTERCARE_APNS_*`: without it iOS devices are skipped.
    Apns,
    /// `AFTERCARE_VAPID_PRIVATE_KEY`: without it (on PostgreSQL; the embedded SQLite default
    /// keeps a generated key) browsers cannot subscribe and Web Push devices are skipped.
    #[serde(rename = "webpush")]
    WebPush,
    /// `AFTERCARE_SMS_*` (account SID, auth token, a sender): without them texts are off, the
    /// delivery ladder skips SMS and sign-in codes go by email only.
    Sms,
}

impl DeliveryService {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryService::Smtp => "smtp",
            DeliveryService::Fcm => "fcm",
            DeliveryService::Apns => "apns",
            DeliveryService::WebPush => "webpush",
            DeliveryService::Sms => "sms",
        }
    }

    /// The setting that enables it, for the start-up warning.
    pub fn setting(self) -> &'static str {
        match self {
            DeliveryService::Smtp => "AFTERCARE_SMTP_HOST",
            DeliveryService::Fcm => {
                "AFTERCARE_FCM_PROJECT_ID and AFTERCARE_FCM_SERVICE_ACCOUNT_FILE"
            }
            DeliveryService::Apns => {
                "AFTERCARE_APNS_KEY_FILE, AFTERCARE_APNS_KEY_ID, AFTERCARE_APNS_TEAM_ID and AFTERCARE_APNS_TOPIC"
            }
            DeliveryService::WebPush => {
                "AFTERCARE_VAPID_PRIVATE_KEY (a key from `api vapid generate`)"
            }
            DeliveryService::Sms => {
                "AFTERCARE_SMS_ACCOUNT_SID, AFTERCARE_SMS_AUTH_TOKEN and AFTERCARE_SMS_FROM or AFTERCARE_SMS_MESSAGING_SERVICE_SID"
            }
        }
    }
}

/// The delivery channels this process sends on and `config` has no settings for, in the order
/// SMTP, FCM, APNs, Web Push, SMS. `pushes`: whether the process runs the delivery loop (a
/// worker, or the API with its embedded loop); an API without it only sends invitation emails
/// and texts and sign-in codes, so SMTP and SMS are its concern (the worker's own `/readyz`
/// reports the push channels) — and Web Push, whose public key the API hands out to browsers. Called after
/// [`crate::care::web_push::provision`], so the embedded default's kept key counts.
pub fn not_configured(config: &Config, pushes: bool) -> Vec<DeliveryService> {
    let mut missing = Vec::new();
    if config.mail.smtp.is_none() {
        missing.push(DeliveryService::Smtp);
    }
    let webpush = config.webpush.vapid_private_key.is_none();
    if !pushes {
        if webpush {
            missing.push(DeliveryService::WebPush);
        }
        if config.sms.is_none() {
            missing.push(DeliveryService::Sms);
        }
        return missing;
    }
    if config.fcm.is_none() {
        missing.push(DeliveryService::Fcm);
    }
    if config.apns.is_none() {
        missing.push(DeliveryService::Apns);
    }
    if webpush {
        missing.push(DeliveryService::WebPush);
    }
    if config.sms.is_none() {
        missing.push(DeliveryService::Sms);
    }
    missing
}

/// With `AFTERCARE_ENV=production`, logs one WARN line per delivery channel left without
/// settings (called once at each process's start; `pushes` as for [`not_configured`]); in any
/// environment, one WARN line when `AFTERCARE_WEBPUSH_ALLOW_LOOPBACK` is on, one when texts
/// (SMS) are off (in production, as one of the channels), and one when the SMS provider is a
/// plain-http loopback fake. Returns the missing channels.
pub fn warn_not_configured(config: &Config, pushes: bool) -> Vec<DeliveryService> {
    if config.webpush.allow_loopback_endpoints {
        tracing::warn!(
            "AFTERCARE_WEBPUSH_ALLOW_LOOPBACK is on: loopback push endpoints are allowed (plain http to 127.0.0.1, ::1, localhost); for tests and benches on one machine only"
        );
    }
    match &config.sms {
        // In production, the loop below says it with the other channels.
        None if config.env != Environment::Production => tracing::warn!(
            channel = "sms",
            "texts (SMS) are off: the delivery ladder skips them and sign-in codes go by email only; set {}",
            DeliveryService::Sms.setting()
        ),
        Some(sms) if sms.base_url.starts_with("http://") => tracing::warn!(
            "AFTERCARE_SMS_BASE_URL is plain http to a loopback provider: for tests and benches on one machine only"
        ),
        _ => {}
    }
    let missing = not_configured(config, pushes);
    if config.env == Environment::Production {
        for service in &missing {
            let effect = match service {
                DeliveryService::Smtp => {
                    "every email (prompts, invitations, clinic alerts) is only written to the log"
                }
                DeliveryService::Fcm => "Android devices get no push; their prompts go by email",
                DeliveryService::Apns => "iOS devices get no push; their prompts go by email",
                DeliveryService::WebPush => {
                    "Web Push is off: the web app cannot turn on notifications and browsers' prompts go by email"
                }
                DeliveryService::Sms => {
                    "texts (SMS) are off: the delivery ladder skips them and sign-in codes go by email only"
                }
            };
            tracing::warn!(
                channel = service.as_str(),
                "delivery channel not configured in production: {effect}; set {}",
                service.setting()
            );
        }
    }
    missing
}

/// A push provider's open refusal of our settings, as the readiness probes list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfigError {
    pub provider: PushProvider,
    /// The provider's code, e.g. `DeviceTokenNotForTopic`.
    pub reason: String,
    /// Refusals since the cause opened (it closes after 10 minutes without one).
    pub count: u64,
    pub last_seen: chrono::DateTime<chrono::Utc>,
}

/// The push providers' refusals of our settings this process saw in the last 10 minutes.
pub fn push_config_errors(metrics: &Metrics) -> Vec<PushConfigError> {
    metrics
        .push_faults
        .open()
        .into_iter()
        .filter_map(|f| {
            Some(PushConfigError {
                provider: PushProvider::parse(&f.provider)?,
                reason: f.reason,
                count: f.count,
                last_seen: f.last_seen,
            })
        })
        .collect()
}
