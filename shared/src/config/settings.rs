//! Every setting the service reads, declared once: variable name, default and meaning.
//!
//! The parser ([`Config::from_vars`](super::Config::from_vars)) takes every default from these
//! declarations, the README's configuration table repeats them row for row (checked by
//! `api/tests/api/config_files.rs`), and an `AFTERCARE_*` variable missing from [`SETTINGS`]
//! stops start-up.

mod sms;
pub use sms::*;

/// One environment variable the service reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The variable name, e.g. `AFTERCARE_BIND`.
    pub name: &'static str,
    /// The value used when the variable is unset or empty. `None` when there is no literal
    /// default: then [`Setting::unset`] says what happens instead.
    pub default: Option<&'static str>,
    /// For a setting without a literal default, what happens when it is unset (e.g. "random per
    /// process in development"); empty when leaving it unset simply turns a feature off.
    pub unset: &'static str,
    /// What the setting means, as the README's table shows it.
    pub help: &'static str,
}

impl Setting {
    /// A setting with a literal default.
    const fn with_default(name: &'static str, default: &'static str, help: &'static str) -> Self {
        Self {
            name,
            default: Some(default),
            unset: "",
            help,
        }
    }

    /// A setting whose fallback is worked out at start (`unset` describes it).
    const fn derived(name: &'static str, unset: &'static str, help: &'static str) -> Self {
        Self {
            name,
            default: None,
            unset,
            help,
        }
    }

    /// A setting that, unset, leaves its feature off.
    const fn optional(name: &'static str, help: &'static str) -> Self {
        Self::derived(name, "", help)
    }

    /// The default column of the README table: `` `value` ``, `(what happens)` or `—`.
    pub fn readme_default(&self) -> String {
        match (self.default, self.unset) {
            (Some(value), _) => format!("`{value}`"),
            (None, "") => "—".to_owned(),
            (None, unset) => format!("({unset})"),
        }
    }

    /// The setting's row in the README table.
    pub fn readme_row(&self) -> String {
        format!(
            "| `{}` | {} | {} |",
            self.name,
            self.readme_default(),
            self.help
        )
    }
}

pub const DATABASE_URL: Setting = Setting::with_default(
    "DATABASE_URL",
    "sqlite://aftercare.db",
    "sqlite://PATH or postgres://USER:PASS@HOST/DB",
);
pub const DATABASE_URL_FILE: Setting = Setting::optional(
    "DATABASE_URL_FILE",
    "file holding DATABASE_URL (a Docker or Kubernetes secret); setting both is an error",
);
pub const ENV: Setting = Setting::with_default(
    "AFTERCARE_ENV",
    "development",
    "development / production (production requires secrets)",
);
pub const BIND: Setting = Setting::with_default(
    "AFTERCARE_BIND",
    "127.0.0.1:8080",
    "address the API listens on",
);
pub const METRICS_BIND: Setting = Setting::derived(
    "AFTERCARE_METRICS_BIND",
    "on AFTERCARE_BIND",
    "address where the API serves /metrics instead of on AFTERCARE_BIND (which then answers 404 there), e.g. 127.0.0.1:9091; keep it off the public network",
);
pub const LOG_FORMAT: Setting = Setting::with_default(
    "AFTERCARE_LOG_FORMAT",
    "text",
    "text / json (one JSON object per line, for containers)",
);
pub const RUST_LOG: Setting =
    Setting::with_default("RUST_LOG", "info", "tracing filter, e.g. info,api=debug");
pub const DB_POOL_SIZE: Setting =
    Setting::with_default("AFTERCARE_DB_POOL_SIZE", "10", "connections per process");
pub const TRUSTED_PROXIES: Setting = Setting::optional(
    "AFTERCARE_TRUSTED_PROXIES",
    "comma-separated CIDRs of load balancers/proxies (e.g. 10.0.0.0/8); only from these is X-Forwarded-For believed for the client address",
);
pub const CORS_ORIGINS: Setting = Setting::optional(
    "AFTERCARE_CORS_ORIGINS",
    "comma-separated browser origins allowed to call the API (e.g. https://app.example.com); unset: no cross-origin access",
);
pub const PUBLIC_URL: Setting = Setting::with_default(
    "AFTERCARE_PUBLIC_URL",
    "http://127.0.0.1:8080",
    "base URL used in emails and calendar files",
);
pub const BODY_TIMEOUT_SECS: Setting = Setting::with_default(
    "AFTERCARE_BODY_TIMEOUT_SECS",
    "10",
    "seconds a request body may take to arrive after its head (1–300), else 408",
);
pub const JWT_SECRET: Setting = Setting::derived(
    "AFTERCARE_JWT_SECRET",
    "random per process in development",
    "HMAC key for access tokens, at least 32 bytes; required in production",
);
pub const JWT_SECRET_FILE: Setting = Setting::optional(
    "AFTERCARE_JWT_SECRET_FILE",
    "file holding AFTERCARE_JWT_SECRET (a Docker or Kubernetes secret); setting both is an error",
);
pub const JWT_ISSUER: Setting = Setting::with_default(
    "AFTERCARE_JWT_ISSUER",
    "aftercare",
    "iss claim of access tokens",
);
pub const JWT_AUDIENCE: Setting = Setting::with_default(
    "AFTERCARE_JWT_AUDIENCE",
    "aftercare-api",
    "aud claim of access tokens",
);
pub const ACCESS_TOKEN_TTL_SECS: Setting = Setting::with_default(
    "AFTERCARE_ACCESS_TOKEN_TTL_SECS",
    "900",
    "access token lifetime",
);
pub const REFRESH_TOKEN_TTL_DAYS: Setting = Setting::with_default(
    "AFTERCARE_REFRESH_TOKEN_TTL_DAYS",
    "30",
    "refresh token lifetime",
);
pub const REFRESH_REUSE_SECS: Setting = Setting::with_default(
    "AFTERCARE_REFRESH_REUSE_SECS",
    "10",
    "a refresh token presented again within this many seconds gets the same successor (0-300); later reuse revokes the session",
);
pub const EMBEDDED_WORKER: Setting = Setting::with_default(
    "AFTERCARE_EMBEDDED_WORKER",
    "auto",
    "auto / on / off: run the delivery loop inside the API (auto: on for SQLite, off for PostgreSQL)",
);
pub const WORKER_ID: Setting = Setting::derived(
    "AFTERCARE_WORKER_ID",
    "hostname-pid",
    "name this worker records on leases and attempts",
);
pub const WORKER_METRICS_BIND: Setting = Setting::derived(
    "AFTERCARE_WORKER_METRICS_BIND",
    "off",
    "address where a separate worker process serves /metrics, /healthz and /readyz, e.g. 0.0.0.0:9090",
);
pub const DISPATCH_CRON: Setting = Setting::with_default(
    "AFTERCARE_DISPATCH_CRON",
    "*/15 * * * * *",
    "when due prompts are claimed and sent (sec min hour day month weekday)",
);
pub const WORKER_LISTEN: Setting = Setting::with_default(
    "AFTERCARE_WORKER_LISTEN",
    "on",
    "on / off: on PostgreSQL, a worker also runs dispatch at once when notified (LISTEN/NOTIFY) that a prompt or clinic alert became due; off behind a proxy that pools by transaction (LISTEN needs its own session)",
);
pub const RECOVERY_CRON: Setting = Setting::with_default(
    "AFTERCARE_RECOVERY_CRON",
    "0 * * * * *",
    "when expired leases return to the queue",
);
pub const DIGEST_CRON: Setting = Setting::with_default(
    "AFTERCARE_DIGEST_CRON",
    "0 */15 * * * *",
    "how often clinics are checked for their daily email of open escalations, sent once a day from 07:00 (until noon) in each clinic's own time zone",
);
pub const PRUNE_CRON: Setting = Setting::with_default(
    "AFTERCARE_PRUNE_CRON",
    "0 30 3 * * *",
    "when old delivery records are pruned (UTC)",
);
pub const BATCH_SIZE: Setting = Setting::with_default(
    "AFTERCARE_BATCH_SIZE",
    "100",
    "prompts claimed per dispatch tick",
);
pub const SENDS_IN_FLIGHT: Setting = Setting::with_default(
    "AFTERCARE_SENDS_IN_FLIGHT",
    "32",
    "prompt sends a worker keeps in flight at once (1-1000)",
);
pub const LEASE_SECS: Setting = Setting::with_default(
    "AFTERCARE_LEASE_SECS",
    "120",
    "how long a claim holds before another worker may take it",
);
pub const MAX_ATTEMPTS: Setting = Setting::with_default(
    "AFTERCARE_MAX_ATTEMPTS",
    "8",
    "delivery attempts before a prompt is marked failed",
);
pub const PRUNE_AFTER_DAYS: Setting = Setting::with_default(
    "AFTERCARE_PRUNE_AFTER_DAYS",
    "90",
    "age at which delivery attempt records are deleted",
);
pub const DEMO: Setting = Setting::with_default(
    "AFTERCARE_DEMO",
    "off",
    "on: seed a demo clinic, staff login and patient at start, and print how to try them",
);
pub const PROTOCOL_DIR: Setting = Setting::derived(
    "AFTERCARE_PROTOCOL_DIR",
    "built in",
    "directory of aftercare protocol files overriding the built-in ones",
);
pub const FCM_PROJECT_ID: Setting = Setting::optional(
    "AFTERCARE_FCM_PROJECT_ID",
    "Firebase project id; with the service account file, enables FCM",
);
pub const FCM_SERVICE_ACCOUNT_FILE: Setting = Setting::optional(
    "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE",
    "path to the Firebase service-account JSON",
);
pub const FCM_BASE_URL: Setting = Setting::with_default(
    "AFTERCARE_FCM_BASE_URL",
    "https://fcm.googleapis.com",
    "FCM HTTP v1 endpoint",
);
pub const FCM_HTTP: Setting = Setting::with_default(
    "AFTERCARE_FCM_HTTP",
    "auto",
    "auto / http1 / http2: the HTTP version spoken to AFTERCARE_FCM_BASE_URL; auto is HTTP/2 where TLS offers it (fcm.googleapis.com does) and HTTP/1.1 otherwise; http2 speaks HTTP/2 without asking (RFC 9113 prior knowledge), for a plain-http endpoint known to speak it (a relay, a test fake); the token endpoint is always auto",
);
pub const FCM_TOKEN_URL: Setting = Setting::derived(
    "AFTERCARE_FCM_TOKEN_URL",
    "from the service account",
    "OAuth2 token endpoint override",
);
pub const FCM_QUOTA_PER_MINUTE: Setting = Setting::with_default(
    "AFTERCARE_FCM_QUOTA_PER_MINUTE",
    "600000",
    "FCM messages per minute for the project, shared by every worker through the database (FCM's default quota; 60-100000000, set a raised quota's figure)",
);
pub const APNS_KEY_FILE: Setting = Setting::optional(
    "AFTERCARE_APNS_KEY_FILE",
    "path to the APNs .p8 signing key; with key id, team id and topic, enables APNs",
);
pub const APNS_KEY_ID: Setting = Setting::optional("AFTERCARE_APNS_KEY_ID", "APNs key id (kid)");
pub const APNS_TEAM_ID: Setting =
    Setting::optional("AFTERCARE_APNS_TEAM_ID", "Apple team id (iss)");
pub const APNS_TOPIC: Setting =
    Setting::optional("AFTERCARE_APNS_TOPIC", "the app's bundle id (apns-topic)");
pub const APNS_BASE_URL: Setting = Setting::with_default(
    "AFTERCARE_APNS_BASE_URL",
    "https://api.push.apple.com",
    "APNs provider API endpoint",
);
pub const APNS_SANDBOX_BASE_URL: Setting = Setting::with_default(
    "AFTERCARE_APNS_SANDBOX_BASE_URL",
    "https://api.sandbox.push.apple.com",
    "APNs endpoint for devices registered with apns_environment sandbox (builds from Xcode)",
);
pub const VAPID_PRIVATE_KEY: Setting = Setting::derived(
    "AFTERCARE_VAPID_PRIVATE_KEY",
    "generated at first start and kept in the database on the embedded SQLite default; Web Push off on PostgreSQL",
    "Web Push VAPID signing key (RFC 8292): the base64url raw 32-byte P-256 private key as `api vapid generate` or web-push tools print it, or a PKCS#8 PEM",
);
pub const VAPID_PRIVATE_KEY_FILE: Setting = Setting::optional(
    "AFTERCARE_VAPID_PRIVATE_KEY_FILE",
    "file holding AFTERCARE_VAPID_PRIVATE_KEY (a Docker or Kubernetes secret); setting both is an error",
);
pub const VAPID_SUBJECT: Setting = Setting::derived(
    "AFTERCARE_VAPID_SUBJECT",
    "AFTERCARE_PUBLIC_URL when https, else mailto: the address of AFTERCARE_MAIL_FROM",
    "the contact push services see in the VAPID token's `sub` (a mailto: or https: URL)",
);
pub const WEBPUSH_ALLOW_LOOPBACK: Setting = Setting::with_default(
    "AFTERCARE_WEBPUSH_ALLOW_LOOPBACK",
    "off",
    "on / off: for tests and benches on one machine only, lets Web Push subscriptions name a push service on loopback (127.0.0.1, ::1, localhost) over plain http; logged as a WARN at start; refused with AFTERCARE_ENV=production",
);
pub const SMTP_HOST: Setting = Setting::optional(
    "AFTERCARE_SMTP_HOST",
    "SMTP server; unset means email is written to the log instead",
);
pub const SMTP_PORT: Setting = Setting::with_default("AFTERCARE_SMTP_PORT", "587", "SMTP port");
pub const SMTP_TLS: Setting =
    Setting::with_default("AFTERCARE_SMTP_TLS", "starttls", "none / starttls / tls");
pub const SMTP_USERNAME: Setting = Setting::optional("AFTERCARE_SMTP_USERNAME", "SMTP user");
pub const SMTP_PASSWORD: Setting = Setting::optional("AFTERCARE_SMTP_PASSWORD", "SMTP password");
pub const SMTP_PASSWORD_FILE: Setting = Setting::optional(
    "AFTERCARE_SMTP_PASSWORD_FILE",
    "file holding AFTERCARE_SMTP_PASSWORD (a Docker or Kubernetes secret); setting both is an error",
);
pub const MAIL_FROM: Setting = Setting::with_default(
    "AFTERCARE_MAIL_FROM",
    "Aftercare <no-reply@aftercare.local>",
    "sender of every email",
);

/// Every setting, in the README table's order.
pub const SETTINGS: &[&Setting] = &[
    &DATABASE_URL,
    &DATABASE_URL_FILE,
    &ENV,
    &BIND,
    &METRICS_BIND,
    &LOG_FORMAT,
    &RUST_LOG,
    &DB_POOL_SIZE,
    &TRUSTED_PROXIES,
    &CORS_ORIGINS,
    &PUBLIC_URL,
    &BODY_TIMEOUT_SECS,
    &JWT_SECRET,
    &JWT_SECRET_FILE,
    &JWT_ISSUER,
    &JWT_AUDIENCE,
    &ACCESS_TOKEN_TTL_SECS,
    &REFRESH_TOKEN_TTL_DAYS,
    &REFRESH_REUSE_SECS,
    &EMBEDDED_WORKER,
    &WORKER_ID,
    &WORKER_METRICS_BIND,
    &DISPATCH_CRON,
    &WORKER_LISTEN,
    &RECOVERY_CRON,
    &DIGEST_CRON,
    &PRUNE_CRON,
    &BATCH_SIZE,
    &SENDS_IN_FLIGHT,
    &LEASE_SECS,
    &MAX_ATTEMPTS,
    &PRUNE_AFTER_DAYS,
    &DEMO,
    &PROTOCOL_DIR,
    &FCM_PROJECT_ID,
    &FCM_SERVICE_ACCOUNT_FILE,
    &FCM_BASE_URL,
    &FCM_HTTP,
    &FCM_TOKEN_URL,
    &FCM_QUOTA_PER_MINUTE,
    &APNS_KEY_FILE,
    &APNS_KEY_ID,
    &APNS_TEAM_ID,
    &APNS_TOPIC,
    &APNS_BASE_URL,
    &APNS_SANDBOX_BASE_URL,
    &VAPID_PRIVATE_KEY,
    &VAPID_PRIVATE_KEY_FILE,
    &VAPID_SUBJECT,
    &WEBPUSH_ALLOW_LOOPBACK,
    &SMTP_HOST,
    &SMTP_PORT,
    &SMTP_TLS,
    &SMTP_USERNAME,
    &SMTP_PASSWORD,
    &SMTP_PASSWORD_FILE,
    &MAIL_FROM,
    &SMS_BASE_URL,
    &SMS_ACCOUNT_SID,
    &SMS_AUTH_TOKEN,
    &SMS_AUTH_TOKEN_FILE,
    &SMS_FROM,
    &SMS_MESSAGING_SERVICE_SID,
    &SMS_RATE_PER_SEC,
];

/// Secrets that may instead be read from a file (`NAME_FILE`, the Docker and Kubernetes secrets
/// convention): the plain setting and its file form. Setting both is a start-up error.
pub const FROM_FILE: &[(&Setting, &Setting)] = &[
    (&DATABASE_URL, &DATABASE_URL_FILE),
    (&JWT_SECRET, &JWT_SECRET_FILE),
    (&SMTP_PASSWORD, &SMTP_PASSWORD_FILE),
    (&VAPID_PRIVATE_KEY, &VAPID_PRIVATE_KEY_FILE),
    (&SMS_AUTH_TOKEN, &SMS_AUTH_TOKEN_FILE),
];

/// The declaration named `name`, if the service reads such a variable.
pub fn find(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().copied().find(|s| s.name == name)
}
