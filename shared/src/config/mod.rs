//! Typed configuration, read once from the environment at start and passed down (no globals).
//!
//! Every setting is declared once in [`settings`] (name, default, meaning); the parser in
//! `parse.rs` takes its defaults from there, the README table repeats the declarations, and a
//! misspelt `AFTERCARE_*` variable stops start-up. Secrets are held in [`Secret`], so a `{:?}` of
//! the configuration never shows them; each may come from a file instead (`NAME_FILE`, see
//! `files.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::db::DatabaseUrl;

mod files;
mod parse;
mod secret;
pub mod settings;
#[cfg(test)]
mod tests;

pub use ipnet::IpNet;
pub use secret::Secret;
pub use settings::{SETTINGS, Setting};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddedWorker {
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// HMAC-SHA256 key, at least 32 bytes (`AFTERCARE_JWT_SECRET`).
    pub secret: Secret<Vec<u8>>,
    pub issuer: String,
    pub audience: String,
    /// Access token lifetime in seconds, 60..=3600.
    pub access_ttl_secs: i64,
    /// Refresh token lifetime in days.
    pub refresh_ttl_days: i64,
    /// Seconds, 0..=300, in which a duplicate refresh gets the same successor.
    pub refresh_reuse_secs: i64,
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub embedded: EmbeddedWorker,
    pub worker_id: String,
    /// Where a standalone worker serves `/metrics`, `/healthz` and `/readyz` (off when `None`).
    pub metrics_bind: Option<SocketAddr>,
    pub dispatch_cron: cron::Schedule,
    /// On PostgreSQL, whether the worker listens for due-work notifications
    /// (`AFTERCARE_WORKER_LISTEN`; see `crate::db::notify`).
    pub listen: bool,
    pub recovery_cron: cron::Schedule,
    pub digest_cron: cron::Schedule,
    pub prune_cron: cron::Schedule,
    /// Prompts claimed per dispatch tick, 1..=10000.
    pub batch_size: i64,
    /// Prompt sends in flight at once, 1..=1000: the drain's memory is bounded by this window,
    /// not by the batch size.
    pub sends_in_flight: usize,
    /// Lease length in seconds, at least 10.
    pub lease_secs: i64,
    /// Attempts before a prompt is `failed`, at least 1.
    pub max_attempts: i32,
    pub prune_after_days: i64,
}

#[derive(Debug, Clone)]
pub struct FcmConfig {
    pub project_id: String,
    pub service_account_file: String,
    pub base_url: String,
    /// The HTTP version spoken to `base_url` (`AFTERCARE_FCM_HTTP`).
    pub http: HttpVersion,
    pub token_url: Option<String>,
    /// Messages a minute the project may send, all workers together, 60..=100,000,000
    /// (`AFTERCARE_FCM_QUOTA_PER_MINUTE`; FCM's default quota is 600,000 a minute per project,
    /// firebase.google.com/docs/cloud-messaging/throttling-and-quotas).
    pub quota_per_minute: i64,
}

/// The HTTP version a push client speaks to its provider (`AFTERCARE_FCM_HTTP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/2 when the TLS handshake offers it (ALPN `h2`, RFC 7301), else HTTP/1.1.
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 from the first byte, without negotiation (RFC 9113 §3.3, prior knowledge): over
    /// plain http too, for an endpoint known to speak it.
    Http2,
}

impl HttpVersion {
    /// The setting's words for each version.
    pub const WORDS: [(&'static str, HttpVersion); 3] = [
        ("auto", HttpVersion::Auto),
        ("http1", HttpVersion::Http1),
        ("http2", HttpVersion::Http2),
    ];
}

#[derive(Debug, Clone)]
pub struct ApnsConfig {
    pub key_file: String,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
    pub base_url: String,
    /// The host for `sandbox` device tokens.
    pub sandbox_base_url: String,
}

/// Web Push (RFC 8030) settings. Whether Web Push is on is decided at start from these and the
/// backend (`crate::care::web_push::vapid_keys`): a configured key, else on the embedded SQLite
/// default one generated and kept in the database, else off.
#[derive(Debug, Clone)]
pub struct WebPushConfig {
    /// The VAPID private key as configured (`AFTERCARE_VAPID_PRIVATE_KEY` or its `_FILE`),
    /// already checked to parse (`crate::push::webpush::VapidKey::parse`).
    pub vapid_private_key: Option<Secret<String>>,
    /// The VAPID `sub` claim (RFC 8292 §2.1): a `mailto:` or `https:` URL.
    pub subject: String,
    /// Whether subscriptions may name a loopback push service over plain http
    /// (`AFTERCARE_WEBPUSH_ALLOW_LOOPBACK`, default off, refused in production): for tests and
    /// benches whose fake push service runs on 127.0.0.1 of the same machine.
    pub allow_loopback_endpoints: bool,
}

impl WebPushConfig {
    /// The endpoint rule subscriptions are checked with.
    pub fn endpoint_policy(&self) -> crate::domain::EndpointPolicy {
        crate::domain::EndpointPolicy {
            allow_loopback: self.allow_loopback_endpoints,
        }
    }
}

/// Texts (SMS) through a Twilio-compatible Messages API (`crate::sms::SmsClient`). On when the
/// account SID, the auth token and a sender are all set; a partial set stops start-up.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// `AFTERCARE_SMS_BASE_URL` without a trailing `/`: `https`, or `http` to a loopback host
    /// outside production (tests' fake provider).
    pub base_url: String,
    /// `AFTERCARE_SMS_ACCOUNT_SID` (Twilio `AccountSid`, `AC` + 32 hex digits).
    pub account_sid: String,
    /// `AFTERCARE_SMS_AUTH_TOKEN` or its `_FILE`.
    pub auth_token: Secret<String>,
    pub sender: SmsSender,
    /// Texts a second from the sender, every worker together, 1..=1000
    /// (`AFTERCARE_SMS_RATE_PER_SEC`).
    pub rate_per_sec: u32,
}

/// Who texts go from: a number (`From`, E.164) or a messaging service (`MessagingServiceSid`,
/// Twilio `MG…`), which picks a number of its pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsSender {
    From(String),
    MessagingService(String),
}

impl SmsSender {
    /// The number or the service SID.
    pub fn as_str(&self) -> &str {
        match self {
            SmsSender::From(s) | SmsSender::MessagingService(s) => s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `None`: emails are written to the log (development default).
    pub smtp: Option<SmtpConfig>,
    pub from: lettre::message::Mailbox,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Environment,
    /// Its `Debug` hides a PostgreSQL password.
    pub database_url: DatabaseUrl,
    pub db_pool_size: u32,
    pub bind: SocketAddr,
    /// Where the API serves `/metrics` on a listener of its own (`AFTERCARE_METRICS_BIND`);
    /// `None`: on `bind` with everything else.
    pub metrics_bind: Option<SocketAddr>,
    /// Proxies whose `X-Forwarded-For` is believed (`AFTERCARE_TRUSTED_PROXIES`); empty: the
    /// TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Browser origins (`scheme://host[:port]`) allowed cross-origin (`AFTERCARE_CORS_ORIGINS`);
    /// empty: none.
    pub cors_origins: Vec<String>,
    /// Without a trailing `/`.
    pub public_url: String,
    /// How long a request body may take to arrive after the request's head, in seconds
    /// (`AFTERCARE_BODY_TIMEOUT_SECS`, 1–300); later is 408.
    pub body_timeout_secs: u64,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub jwt: JwtConfig,
    pub worker: WorkerConfig,
    pub fcm: Option<FcmConfig>,
    pub apns: Option<ApnsConfig>,
    pub webpush: WebPushConfig,
    pub mail: MailConfig,
    /// Texts (SMS); `None`: the channel is off (no SMS settings).
    pub sms: Option<SmsConfig>,
    pub demo: bool,
    pub protocol_dir: Option<String>,
}

/// A start-up configuration problem, naming the setting: displays as `NAME: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// The first bad or unknown setting, as [`Config::from_vars`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Builds the configuration from a set of variables (the environment, or a test's map).
    /// Unset and empty variables take the default declared in [`settings`].
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that does not parse, breaks a rule (range,
    /// settings that only work together, a production secret) or is an `AFTERCARE_*` name the
    /// service does not read.
    pub fn from_vars(map: &HashMap<String, String>) -> Result<Self, ConfigError> {
        parse::config(map)
    }

    /// Whether this API process also runs the delivery loop.
    pub fn runs_embedded_worker(&self) -> bool {
        match self.worker.embedded {
            EmbeddedWorker::On => true,
            EmbeddedWorker::Off => false,
            EmbeddedWorker::Auto => self.database_url.backend() == crate::db::Backend::Sqlite,
        }
    }
}
