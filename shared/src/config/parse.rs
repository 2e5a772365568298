//! From variables to [`Config`]. Every value is read through its [`Setting`] declaration, so a
//! default lives in `settings.rs` only and every error names the variable.

use std::collections::HashMap;
use std::str::FromStr;

use super::settings::{self as s, Setting};
use super::{
    Config, ConfigError, EmbeddedWorker, Environment, JwtConfig, LogFormat, MailConfig, Secret,
    SmtpConfig, SmtpTls, WebPushConfig, WorkerConfig,
};
use crate::db::DatabaseUrl;

mod push;
mod sms;

fn err(setting: &Setting, message: impl Into<String>) -> ConfigError {
    ConfigError {
        name: setting.name.to_owned(),
        message: message.into(),
    }
}

struct Vars<'a>(&'a HashMap<String, String>);

impl Vars<'_> {
    /// The variable as set, with empty strings treated as unset.
    fn get(&self, setting: &Setting) -> Option<&str> {
        self.0
            .get(setting.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The variable, or its declared default (empty for a setting without one).
    fn value(&self, setting: &Setting) -> &str {
        self.get(setting).or(setting.default).unwrap_or_default()
    }

    fn owned(&self, setting: &Setting) -> Option<String> {
        self.get(setting).map(str::to_owned)
    }

    fn parse<T: FromStr>(&self, setting: &Setting) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let v = self.value(setting);
        v.parse().map_err(|e| err(setting, format!("{v:?}: {e}")))
    }

    /// One of a fixed set of words, e.g. `text` or `json`.
    fn choice<T: Copy>(&self, setting: &Setting, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        let v = self.value(setting);
        if let Some((_, found)) = choices.iter().find(|(word, _)| *word == v) {
            return Ok(*found);
        }
        let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
        let expected = match words.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        Err(err(setting, format!("{v:?}: expected {expected}")))
    }

    fn cron(&self, setting: &Setting) -> Result<cron::Schedule, ConfigError> {
        let expr = self.value(setting);
        cron::Schedule::from_str(expr).map_err(|e| {
            err(
                setting,
                format!("invalid cron expression {expr:?} ({e}); expected 6 fields: sec min hour day month weekday"),
            )
        })
    }

    fn switch(&self, setting: &Setting) -> Result<bool, ConfigError> {
        match self.value(setting).to_ascii_lowercase().as_str() {
            "off" | "false" | "0" | "no" => Ok(false),
            "on" | "true" | "1" | "yes" => Ok(true),
            v => Err(err(setting, format!("{v:?}: expected on or off"))),
        }
    }
}

pub(super) fn config(map: &HashMap<String, String>) -> Result<Config, ConfigError> {
    for name in map.keys().filter(|k| k.starts_with("AFTERCARE_")) {
        if s::find(name).is_none() {
            return Err(ConfigError {
                name: name.clone(),
                message: "unknown setting (see the README's configuration table)".into(),
            });
        }
    }
    let resolved = super::files::resolve(map)?;
    let v = Vars(&resolved);

    let env = v.choice(
        &s::ENV,
        &[
            ("development", Environment::Development),
            ("production", Environment::Production),
        ],
    )?;
    let database_url =
        DatabaseUrl::parse(v.value(&s::DATABASE_URL)).map_err(|m| err(&s::DATABASE_URL, m))?;
    let log_format = v.choice(
        &s::LOG_FORMAT,
        &[("text", LogFormat::Text), ("json", LogFormat::Json)],
    )?;

    // This order decides which of several mistakes is reported first; keep it stable.
    let jwt = jwt(&v, env)?;
    let worker = worker(&v)?;
    let (fcm, apns) = (push::fcm(&v)?, push::apns(&v)?);
    let body_timeout_secs: u64 = v.parse(&s::BODY_TIMEOUT_SECS)?;
    if !(1..=300).contains(&body_timeout_secs) {
        return Err(err(&s::BODY_TIMEOUT_SECS, "must be between 1 and 300"));
    }
    let mail = MailConfig {
        smtp: smtp(&v)?,
        from: v.parse(&s::MAIL_FROM)?,
    };
    let webpush = webpush(&v, &mail, env)?;
    let sms = sms::sms(&v, env)?;
    Ok(Config {
        env,
        database_url,
        db_pool_size: v.parse(&s::DB_POOL_SIZE)?,
        bind: v.parse(&s::BIND)?,
        metrics_bind: match v.get(&s::METRICS_BIND) {
            None => None,
            Some(_) => Some(v.parse(&s::METRICS_BIND)?),
        },
        trusted_proxies: cidrs(&v, &s::TRUSTED_PROXIES)?,
        cors_origins: origins(&v, &s::CORS_ORIGINS)?,
        public_url: v.value(&s::PUBLIC_URL).trim_end_matches('/').to_owned(),
        body_timeout_secs,
        log_format,
        log_filter: v.value(&s::RUST_LOG).to_owned(),
        jwt,
        worker,
        fcm,
        apns,
        webpush,
        mail,
        sms,
        demo: v.switch(&s::DEMO)?,
        protocol_dir: v.owned(&s::PROTOCOL_DIR),
    })
}

/// A comma-separated list of CIDRs (`10.0.0.0/8, fd00::/8`); a bare address is a /32 or /128.
fn cidrs(v: &Vars<'_>, setting: &Setting) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    v.value(setting)
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<ipnet::IpNet>()
                .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    err(
                        setting,
                        format!("{c:?}: expected a CIDR such as 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

/// A comma-separated list of origins as browsers send them (RFC 6454 §6.1): `scheme://host`
/// with an optional port, no path, no trailing slash.
fn origins(v: &Vars<'_>, setting: &Setting) -> Result<Vec<String>, ConfigError> {
    v.value(setting)
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let rest = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => {
                    Ok(o.to_owned())
                }
                _ => Err(err(
                    setting,
                    format!("{o:?}: expected an origin such as https://app.example.com"),
                )),
            }
        })
        .collect()
}

fn jwt(v: &Vars<'_>, env: Environment) -> Result<JwtConfig, ConfigError> {
    let secret = match v.get(&s::JWT_SECRET) {
        Some(secret) if secret.len() < 32 => {
            return Err(err(&s::JWT_SECRET, "must be at least 32 bytes"));
        }
        Some(secret) => secret.as_bytes().to_vec(),
        None if env == Environment::Production => {
            return Err(err(
                &s::JWT_SECRET,
                "required when AFTERCARE_ENV=production",
            ));
        }
        // Development: tokens simply stop working across restarts.
        None => crate::crypto::random_bytes(32),
    };
    let jwt = JwtConfig {
        secret: Secret::new(secret),
        issuer: v.value(&s::JWT_ISSUER).to_owned(),
        audience: v.value(&s::JWT_AUDIENCE).to_owned(),
        access_ttl_secs: v.parse(&s::ACCESS_TOKEN_TTL_SECS)?,
        refresh_ttl_days: v.parse(&s::REFRESH_TOKEN_TTL_DAYS)?,
        refresh_reuse_secs: v.parse(&s::REFRESH_REUSE_SECS)?,
    };
    if !(0..=300).contains(&jwt.refresh_reuse_secs) {
        return Err(err(&s::REFRESH_REUSE_SECS, "must be between 0 and 300"));
    }
    if !(60..=3600).contains(&jwt.access_ttl_secs) {
        return Err(err(
            &s::ACCESS_TOKEN_TTL_SECS,
            "must be between 60 and 3600",
        ));
    }
    Ok(jwt)
}

fn worker(v: &Vars<'_>) -> Result<WorkerConfig, ConfigError> {
    let worker = WorkerConfig {
        embedded: v.choice(
            &s::EMBEDDED_WORKER,
            &[
                ("auto", EmbeddedWorker::Auto),
                ("on", EmbeddedWorker::On),
                ("off", EmbeddedWorker::Off),
            ],
        )?,
        worker_id: v.owned(&s::WORKER_ID).unwrap_or_else(default_worker_id),
        metrics_bind: match v.get(&s::WORKER_METRICS_BIND) {
            None => None,
            Some(_) => Some(v.parse(&s::WORKER_METRICS_BIND)?),
        },
        dispatch_cron: v.cron(&s::DISPATCH_CRON)?,
        listen: v.switch(&s::WORKER_LISTEN)?,
        recovery_cron: v.cron(&s::RECOVERY_CRON)?,
        digest_cron: v.cron(&s::DIGEST_CRON)?,
        prune_cron: v.cron(&s::PRUNE_CRON)?,
        batch_size: v.parse(&s::BATCH_SIZE)?,
        sends_in_flight: v.parse(&s::SENDS_IN_FLIGHT)?,
        lease_secs: v.parse(&s::LEASE_SECS)?,
        max_attempts: v.parse(&s::MAX_ATTEMPTS)?,
        prune_after_days: v.parse(&s::PRUNE_AFTER_DAYS)?,
    };
    if !(1..=10_000).contains(&worker.batch_size) {
        return Err(err(&s::BATCH_SIZE, "must be between 1 and 10000"));
    }
    if !(1..=1000).contains(&worker.sends_in_flight) {
        return Err(err(&s::SENDS_IN_FLIGHT, "must be between 1 and 1000"));
    }
    if worker.lease_secs < 10 {
        return Err(err(&s::LEASE_SECS, "must be at least 10"));
    }
    if worker.max_attempts < 1 {
        return Err(err(&s::MAX_ATTEMPTS, "must be at least 1"));
    }
    Ok(worker)
}

fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

fn webpush(
    v: &Vars<'_>,
    mail: &MailConfig,
    env: Environment,
) -> Result<WebPushConfig, ConfigError> {
    let vapid_private_key = match v.owned(&s::VAPID_PRIVATE_KEY) {
        None => None,
        Some(raw) => {
            crate::push::webpush::VapidKey::parse(&raw)
                .map_err(|m| err(&s::VAPID_PRIVATE_KEY, m))?;
            Some(Secret::new(raw))
        }
    };
    let subject = match v.owned(&s::VAPID_SUBJECT) {
        Some(sub) => {
            let sub = sub.trim().to_owned();
            let ok = sub
                .strip_prefix("mailto:")
                .is_some_and(|a| a.contains('@') && !a.contains(char::is_whitespace))
                || (sub.starts_with("https://") && reqwest::Url::parse(&sub).is_ok());
            if !ok {
                return Err(err(
                    &s::VAPID_SUBJECT,
                    "must be a mailto: or https: URL (RFC 8292 section 2.1)",
                ));
            }
            sub
        }
        None => {
            let public = v.value(&s::PUBLIC_URL).trim_end_matches('/');
            if public.starts_with("https://") {
                public.to_owned()
            } else {
                format!("mailto:{}", mail.from.email)
            }
        }
    };
    let allow_loopback_endpoints = v.switch(&s::WEBPUSH_ALLOW_LOOPBACK)?;
    if allow_loopback_endpoints && env == Environment::Production {
        return Err(err(
            &s::WEBPUSH_ALLOW_LOOPBACK,
            "on is for tests and benches on one machine only, never with AFTERCARE_ENV=production",
        ));
    }
    Ok(WebPushConfig {
        vapid_private_key,
        subject,
        allow_loopback_endpoints,
    })
}

fn smtp(v: &Vars<'_>) -> Result<Option<SmtpConfig>, ConfigError> {
    let Some(host) = v.owned(&s::SMTP_HOST) else {
        return Ok(None);
    };
    Ok(Some(SmtpConfig {
        host,
        port: v.parse(&s::SMTP_PORT)?,
        tls: v.choice(
            &s::SMTP_TLS,
            &[
                ("none", SmtpTls::None),
                ("starttls", SmtpTls::StartTls),
                ("tls", SmtpTls::Tls),
            ],
        )?,
        username: v.owned(&s::SMTP_USERNAME),
        password: v.owned(&s::SMTP_PASSWORD).map(Secret::new),
    }))
}
