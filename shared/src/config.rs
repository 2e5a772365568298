//! Typed configuration, read once from the environment at start and passed down. Every setting
//! is listed in [`SETTINGS`] (with its default and meaning); the README table is generated from
//! the same list's content, and a misspelt `AFTERCARE_*` variable stops start-up.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;

use crate::db::DatabaseUrl;

/// (name, default, meaning) for every setting the service reads.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "sqlite://aftercare.db",
        "sqlite://PATH or postgres://USER:PASS@HOST/DB",
    ),
    (
        "AFTERCARE_ENV",
        "development",
        "development | production (production requires secrets)",
    ),
    (
        "AFTERCARE_BIND",
        "127.0.0.1:8080",
        "address the API listens on",
    ),
    (
        "AFTERCARE_LOG_FORMAT",
        "text",
        "text | json (one JSON object per line, for containers)",
    ),
    ("RUST_LOG", "info", "tracing filter, e.g. info,api=debug"),
    ("AFTERCARE_DB_POOL_SIZE", "10", "connections per process"),
    (
        "AFTERCARE_PUBLIC_URL",
        "http://127.0.0.1:8080",
        "base URL used in emails and calendar files",
    ),
    (
        "AFTERCARE_JWT_SECRET",
        "(random per process in development)",
        "HMAC key for access tokens, at least 32 bytes; required in production",
    ),
    (
        "AFTERCARE_JWT_ISSUER",
        "aftercare",
        "iss claim of access tokens",
    ),
    (
        "AFTERCARE_JWT_AUDIENCE",
        "aftercare-api",
        "aud claim of access tokens",
    ),
    (
        "AFTERCARE_ACCESS_TOKEN_TTL_SECS",
        "900",
        "access token lifetime",
    ),
    (
        "AFTERCARE_REFRESH_TOKEN_TTL_DAYS",
        "30",
        "refresh token lifetime",
    ),
    (
        "AFTERCARE_EMBEDDED_WORKER",
        "auto",
        "auto | on | off: run the delivery loop inside the API (auto: on for SQLite, off for PostgreSQL)",
    ),
    (
        "AFTERCARE_WORKER_ID",
        "(hostname-pid)",
        "name this worker records on leases and attempts",
    ),
    (
        "AFTERCARE_WORKER_METRICS_BIND",
        "(off)",
        "address where a separate worker process serves /metrics and /healthz, e.g. 0.0.0.0:9090",
    ),
    (
        "AFTERCARE_DISPATCH_CRON",
        "*/15 * * * * *",
        "when due prompts are claimed and sent (sec min hour day month weekday)",
    ),
    (
        "AFTERCARE_RECOVERY_CRON",
        "0 * * * * *",
        "when expired leases return to the queue",
    ),
    (
        "AFTERCARE_DIGEST_CRON",
        "0 0 7 * * *",
        "when clinics get the daily email of open escalations (UTC)",
    ),
    (
        "AFTERCARE_PRUNE_CRON",
        "0 30 3 * * *",
        "when old delivery records are pruned (UTC)",
    ),
    (
        "AFTERCARE_BATCH_SIZE",
        "100",
        "prompts claimed per dispatch tick",
    ),
    (
        "AFTERCARE_LEASE_SECS",
        "120",
        "how long a claim holds before another worker may take it",
    ),
    (
        "AFTERCARE_MAX_ATTEMPTS",
        "8",
        "delivery attempts before a prompt is marked failed",
    ),
    (
        "AFTERCARE_PRUNE_AFTER_DAYS",
        "90",
        "age at which delivery attempt records are deleted",
    ),
    (
        "AFTERCARE_DEMO",
        "off",
        "on: seed a demo clinic, staff login and patient at start, and print how to try them",
    ),
    (
        "AFTERCARE_PROTOCOL_DIR",
        "(built in)",
        "directory of aftercare protocol files overriding the built-in ones",
    ),
    (
        "AFTERCARE_FCM_PROJECT_ID",
        "",
        "Firebase project id; with the service account file, enables FCM",
    ),
    (
        "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE",
        "",
        "path to the Firebase service-account JSON",
    ),
    (
        "AFTERCARE_FCM_BASE_URL",
        "https://fcm.googleapis.com",
        "FCM HTTP v1 endpoint",
    ),
    (
        "AFTERCARE_FCM_TOKEN_URL",
        "(from the service account)",
        "OAuth2 token endpoint override",
    ),
    (
        "AFTERCARE_APNS_KEY_FILE",
        "",
        "path to the APNs .p8 signing key; with key id, team id and topic, enables APNs",
    ),
    ("AFTERCARE_APNS_KEY_ID", "", "APNs key id (kid)"),
    ("AFTERCARE_APNS_TEAM_ID", "", "Apple team id (iss)"),
    (
        "AFTERCARE_APNS_TOPIC",
        "",
        "the app's bundle id (apns-topic)",
    ),
    (
        "AFTERCARE_APNS_BASE_URL",
        "https://api.push.apple.com",
        "APNs provider API endpoint",
    ),
    (
        "AFTERCARE_SMTP_HOST",
        "",
        "SMTP server; unset means email is written to the log instead",
    ),
    ("AFTERCARE_SMTP_PORT", "587", "SMTP port"),
    ("AFTERCARE_SMTP_TLS", "starttls", "none | starttls | tls"),
    ("AFTERCARE_SMTP_USERNAME", "", "SMTP user"),
    ("AFTERCARE_SMTP_PASSWORD", "", "SMTP password"),
    (
        "AFTERCARE_MAIL_FROM",
        "Aftercare <no-reply@aftercare.local>",
        "sender of every email",
    ),
];

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

#[derive(Clone)]
pub struct JwtConfig {
    pub secret: Vec<u8>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_days", &self.refresh_ttl_days)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub embedded: EmbeddedWorker,
    pub worker_id: String,
    /// Where a standalone worker serves `/metrics` and `/healthz` (off when `None`).
    pub metrics_bind: Option<SocketAddr>,
    pub dispatch_cron: cron::Schedule,
    pub recovery_cron: cron::Schedule,
    pub digest_cron: cron::Schedule,
    pub prune_cron: cron::Schedule,
    pub batch_size: i64,
    pub lease_secs: i64,
    pub max_attempts: i32,
    pub prune_after_days: i64,
}

#[derive(Debug, Clone)]
pub struct FcmConfig {
    pub project_id: String,
    pub service_account_file: String,
    pub base_url: String,
    pub token_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApnsConfig {
    pub key_file: String,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
    pub base_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
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
    pub database_url: DatabaseUrl,
    pub db_pool_size: u32,
    pub bind: SocketAddr,
    pub public_url: String,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub jwt: JwtConfig,
    pub worker: WorkerConfig,
    pub fcm: Option<FcmConfig>,
    pub apns: Option<ApnsConfig>,
    pub mail: MailConfig,
    pub demo: bool,
    pub protocol_dir: Option<String>,
}

/// A start-up configuration problem, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

fn err(name: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        name: name.to_owned(),
        message: message.into(),
    }
}

struct Vars<'a>(&'a HashMap<String, String>);

impl Vars<'_> {
    /// The value, with empty strings treated as unset.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn or<'b>(&'b self, name: &str, default: &'b str) -> &'b str {
        self.get(name).unwrap_or(default)
    }

    fn parse<T: FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| err(name, format!("{v:?}: {e}"))),
        }
    }

    fn cron(&self, name: &str, default: &str) -> Result<cron::Schedule, ConfigError> {
        let expr = self.or(name, default);
        cron::Schedule::from_str(expr).map_err(|e| {
            err(
                name,
                format!("invalid cron expression {expr:?} ({e}); expected 6 fields: sec min hour day month weekday"),
            )
        })
    }

    fn switch(&self, name: &str) -> Result<bool, ConfigError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("off" | "false" | "0" | "no") => Ok(false),
            Some("on" | "true" | "1" | "yes") => Ok(true),
            Some(v) => Err(err(name, format!("{v:?}: expected on or off"))),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Builds the configuration from a set of variables (the environment, or a test's map).
    pub fn from_vars(map: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let v = Vars(map);
        for name in map.keys().filter(|k| k.starts_with("AFTERCARE_")) {
            if !SETTINGS.iter().any(|(known, _, _)| known == name) {
                return Err(err(
                    name,
                    "unknown setting (see the README's configuration table)",
                ));
            }
        }

        let env = match v.or("AFTERCARE_ENV", "development") {
            "development" => Environment::Development,
            "production" => Environment::Production,
            other => {
                return Err(err(
                    "AFTERCARE_ENV",
                    format!("{other:?}: expected development or production"),
                ));
            }
        };
        let database_url = DatabaseUrl::parse(v.or("DATABASE_URL", "sqlite://aftercare.db"))
            .map_err(|m| err("DATABASE_URL", m))?;
        let log_format = match v.or("AFTERCARE_LOG_FORMAT", "text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(err(
                    "AFTERCARE_LOG_FORMAT",
                    format!("{other:?}: expected text or json"),
                ));
            }
        };

        let secret = match v.get("AFTERCARE_JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err(err("AFTERCARE_JWT_SECRET", "must be at least 32 bytes"));
            }
            Some(s) => s.as_bytes().to_vec(),
            None if env == Environment::Production => {
                return Err(err(
                    "AFTERCARE_JWT_SECRET",
                    "required when AFTERCARE_ENV=production",
                ));
            }
            // Development: tokens simply stop working across restarts.
            None => crate::crypto::random_bytes(32),
        };
        let jwt = JwtConfig {
            secret,
            issuer: v.or("AFTERCARE_JWT_ISSUER", "aftercare").to_owned(),
            audience: v.or("AFTERCARE_JWT_AUDIENCE", "aftercare-api").to_owned(),
            access_ttl_secs: v.parse("AFTERCARE_ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_ttl_days: v.parse("AFTERCARE_REFRESH_TOKEN_TTL_DAYS", 30)?,
        };
        if !(60..=3600).contains(&jwt.access_ttl_secs) {
            return Err(err(
                "AFTERCARE_ACCESS_TOKEN_TTL_SECS",
                "must be between 60 and 3600",
            ));
        }

        let embedded = match v.or("AFTERCARE_EMBEDDED_WORKER", "auto") {
            "auto" => EmbeddedWorker::Auto,
            "on" => EmbeddedWorker::On,
            "off" => EmbeddedWorker::Off,
            other => {
                return Err(err(
                    "AFTERCARE_EMBEDDED_WORKER",
                    format!("{other:?}: expected auto, on or off"),
                ));
            }
        };
        let worker =
            WorkerConfig {
                embedded,
                worker_id: v
                    .get("AFTERCARE_WORKER_ID")
                    .map(str::to_owned)
                    .unwrap_or_else(default_worker_id),
                metrics_bind: match v.get("AFTERCARE_WORKER_METRICS_BIND") {
                    None => None,
                    Some(raw) => Some(raw.parse().map_err(|e| {
                        err("AFTERCARE_WORKER_METRICS_BIND", format!("{raw:?}: {e}"))
                    })?),
                },
                dispatch_cron: v.cron("AFTERCARE_DISPATCH_CRON", "*/15 * * * * *")?,
                recovery_cron: v.cron("AFTERCARE_RECOVERY_CRON", "0 * * * * *")?,
                digest_cron: v.cron("AFTERCARE_DIGEST_CRON", "0 0 7 * * *")?,
                prune_cron: v.cron("AFTERCARE_PRUNE_CRON", "0 30 3 * * *")?,
                batch_size: v.parse("AFTERCARE_BATCH_SIZE", 100)?,
                lease_secs: v.parse("AFTERCARE_LEASE_SECS", 120)?,
                max_attempts: v.parse("AFTERCARE_MAX_ATTEMPTS", 8)?,
                prune_after_days: v.parse("AFTERCARE_PRUNE_AFTER_DAYS", 90)?,
            };
        if !(1..=10_000).contains(&worker.batch_size) {
            return Err(err("AFTERCARE_BATCH_SIZE", "must be between 1 and 10000"));
        }
        if worker.lease_secs < 10 {
            return Err(err("AFTERCARE_LEASE_SECS", "must be at least 10"));
        }
        if worker.max_attempts < 1 {
            return Err(err("AFTERCARE_MAX_ATTEMPTS", "must be at least 1"));
        }

        let fcm = match (
            v.get("AFTERCARE_FCM_PROJECT_ID"),
            v.get("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE"),
        ) {
            (Some(project_id), Some(file)) => Some(FcmConfig {
                project_id: project_id.to_owned(),
                service_account_file: file.to_owned(),
                base_url: v
                    .or("AFTERCARE_FCM_BASE_URL", "https://fcm.googleapis.com")
                    .to_owned(),
                token_url: v.get("AFTERCARE_FCM_TOKEN_URL").map(str::to_owned),
            }),
            (None, None) => None,
            _ => {
                return Err(err(
                    "AFTERCARE_FCM_PROJECT_ID",
                    "set both AFTERCARE_FCM_PROJECT_ID and AFTERCARE_FCM_SERVICE_ACCOUNT_FILE, or neither",
                ));
            }
        };
        let apns_parts = [
            v.get("AFTERCARE_APNS_KEY_FILE"),
            v.get("AFTERCARE_APNS_KEY_ID"),
            v.get("AFTERCARE_APNS_TEAM_ID"),
            v.get("AFTERCARE_APNS_TOPIC"),
        ];
        let apns = match apns_parts {
            [Some(key_file), Some(key_id), Some(team_id), Some(topic)] => Some(ApnsConfig {
                key_file: key_file.to_owned(),
                key_id: key_id.to_owned(),
                team_id: team_id.to_owned(),
                topic: topic.to_owned(),
                base_url: v
                    .or("AFTERCARE_APNS_BASE_URL", "https://api.push.apple.com")
                    .to_owned(),
            }),
            [None, None, None, None] => None,
            _ => {
                return Err(err(
                    "AFTERCARE_APNS_KEY_FILE",
                    "APNs needs AFTERCARE_APNS_KEY_FILE, _KEY_ID, _TEAM_ID and _TOPIC together",
                ));
            }
        };

        let smtp = match v.get("AFTERCARE_SMTP_HOST") {
            None => None,
            Some(host) => Some(SmtpConfig {
                host: host.to_owned(),
                port: v.parse("AFTERCARE_SMTP_PORT", 587)?,
                tls: match v.or("AFTERCARE_SMTP_TLS", "starttls") {
                    "none" => SmtpTls::None,
                    "starttls" => SmtpTls::StartTls,
                    "tls" => SmtpTls::Tls,
                    other => {
                        return Err(err(
                            "AFTERCARE_SMTP_TLS",
                            format!("{other:?}: expected none, starttls or tls"),
                        ));
                    }
                },
                username: v.get("AFTERCARE_SMTP_USERNAME").map(str::to_owned),
                password: v.get("AFTERCARE_SMTP_PASSWORD").map(str::to_owned),
            }),
        };
        let from_raw = v.or(
            "AFTERCARE_MAIL_FROM",
            "Aftercare <no-reply@aftercare.local>",
        );
        let from = from_raw
            .parse()
            .map_err(|e| err("AFTERCARE_MAIL_FROM", format!("{from_raw:?}: {e}")))?;

        Ok(Config {
            env,
            database_url,
            db_pool_size: v.parse("AFTERCARE_DB_POOL_SIZE", 10)?,
            bind: v.parse("AFTERCARE_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            public_url: v
                .or("AFTERCARE_PUBLIC_URL", "http://127.0.0.1:8080")
                .trim_end_matches('/')
                .to_owned(),
            log_format,
            log_filter: v.or("RUST_LOG", "info").to_owned(),
            jwt,
            worker,
            fcm,
            apns,
            mail: MailConfig { smtp, from },
            demo: v.switch("AFTERCARE_DEMO")?,
            protocol_dir: v.get("AFTERCARE_PROTOCOL_DIR").map(str::to_owned),
        })
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

fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_give_a_working_development_setup() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.env, Environment::Development);
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("aftercare.db".into()));
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.runs_embedded_worker());
        assert!(c.mail.smtp.is_none() && c.fcm.is_none() && c.apns.is_none());
        assert_eq!(c.jwt.secret.len(), 32);
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (
                &[("AFTERCARE_DISPATCH_CRON", "every minute")],
                "AFTERCARE_DISPATCH_CRON",
            ),
            (&[("AFTERCARE_ENV", "production")], "AFTERCARE_JWT_SECRET"),
            (&[("AFTERCARE_JWT_SECRET", "short")], "AFTERCARE_JWT_SECRET"),
            (&[("AFTERCARE_BIND", "nowhere")], "AFTERCARE_BIND"),
            (
                &[
                    ("AFTERCARE_SMTP_HOST", "h"),
                    ("AFTERCARE_SMTP_TLS", "maybe"),
                ],
                "AFTERCARE_SMTP_TLS",
            ),
            (
                &[("AFTERCARE_FCM_PROJECT_ID", "p")],
                "AFTERCARE_FCM_PROJECT_ID",
            ),
            (&[("AFTERCARE_APNS_TOPIC", "t")], "AFTERCARE_APNS_KEY_FILE"),
            (&[("AFTERCARE_DATABSE_URL", "x")], "AFTERCARE_DATABSE_URL"),
            (&[("AFTERCARE_DEMO", "perhaps")], "AFTERCARE_DEMO"),
            (
                &[("AFTERCARE_WORKER_METRICS_BIND", "port 9090")],
                "AFTERCARE_WORKER_METRICS_BIND",
            ),
        ];
        for (pairs, name) in cases {
            let e = Config::from_vars(&vars(pairs)).unwrap_err();
            assert_eq!(&e.name, name, "{pairs:?} -> {e}");
        }
    }

    #[test]
    fn production_with_secret_and_postgres_runs_a_separate_worker() {
        let c = Config::from_vars(&vars(&[
            ("AFTERCARE_ENV", "production"),
            ("AFTERCARE_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("DATABASE_URL", "postgres://postgres@db/aftercare"),
        ]))
        .unwrap();
        assert!(!c.runs_embedded_worker());
        assert!(
            !format!("{c:?}").contains("0123456789abcdef"),
            "secrets never reach Debug output"
        );
    }
}
