use std::collections::{HashMap, HashSet};

use super::*;

mod sms;

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
    assert_eq!(c.public_url, "http://127.0.0.1:8080");
    assert_eq!(c.db_pool_size, 10);
    assert_eq!(c.worker.max_attempts, 8);
    assert!(c.runs_embedded_worker());
    assert!(!c.demo);
    assert!(c.mail.smtp.is_none() && c.fcm.is_none() && c.apns.is_none());
    assert_eq!(c.jwt.secret.expose().len(), 32);
}

/// Every feature switched on, so that every declared default is actually read.
fn everything_on() -> HashMap<String, String> {
    vars(&[
        ("AFTERCARE_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("AFTERCARE_WORKER_ID", "w1"),
        ("AFTERCARE_FCM_PROJECT_ID", "p"),
        ("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE", "sa.json"),
        ("AFTERCARE_APNS_KEY_FILE", "k.p8"),
        ("AFTERCARE_APNS_KEY_ID", "kid"),
        ("AFTERCARE_APNS_TEAM_ID", "team"),
        ("AFTERCARE_APNS_TOPIC", "app.bundle"),
        ("AFTERCARE_SMTP_HOST", "smtp.example.test"),
        (
            "AFTERCARE_SMS_ACCOUNT_SID",
            "AC5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b",
        ),
        (
            "AFTERCARE_SMS_AUTH_TOKEN",
            "sms-token-7c3b2d4e6f8a0b1c2d3e4f",
        ),
        ("AFTERCARE_SMS_FROM", "+15017122661"),
    ])
}

#[test]
fn every_declared_default_parses_and_means_the_same_as_unset() {
    let base = everything_on();
    let unset = format!("{:?}", Config::from_vars(&base).unwrap());
    let mut checked = 0;
    for setting in SETTINGS {
        let Some(default) = setting.default else {
            continue;
        };
        let mut with_default = base.clone();
        with_default.insert(setting.name.to_owned(), default.to_owned());
        let c = Config::from_vars(&with_default)
            .unwrap_or_else(|e| panic!("the declared default of {} fails: {e}", setting.name));
        assert_eq!(format!("{c:?}"), unset, "{} = {default:?}", setting.name);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} defaults checked");
}

#[test]
fn declarations_are_unique_and_fit_the_readme_table() {
    let mut names = HashSet::new();
    for setting in SETTINGS {
        assert!(
            names.insert(setting.name),
            "{} declared twice",
            setting.name
        );
        assert!(
            setting.name.starts_with("AFTERCARE_")
                || ["DATABASE_URL", "DATABASE_URL_FILE", "RUST_LOG"].contains(&setting.name),
            "{}",
            setting.name
        );
        // A `|` would split the README's markdown table cell.
        assert!(!setting.help.contains('|'), "{}", setting.name);
        assert!(
            setting.default.is_none() || setting.unset.is_empty(),
            "{} has both a default and an unset note",
            setting.name
        );
    }
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
        (
            &[("AFTERCARE_METRICS_BIND", "localhost")],
            "AFTERCARE_METRICS_BIND",
        ),
        (
            &[("AFTERCARE_ACCESS_TOKEN_TTL_SECS", "30")],
            "AFTERCARE_ACCESS_TOKEN_TTL_SECS",
        ),
        (&[("AFTERCARE_BATCH_SIZE", "0")], "AFTERCARE_BATCH_SIZE"),
        (
            &[
                ("AFTERCARE_FCM_PROJECT_ID", "p"),
                ("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE", "sa.json"),
                ("AFTERCARE_FCM_QUOTA_PER_MINUTE", "59"),
            ],
            "AFTERCARE_FCM_QUOTA_PER_MINUTE",
        ),
    ];
    for (pairs, name) in cases {
        let e = Config::from_vars(&vars(pairs)).unwrap_err();
        assert_eq!(&e.name, name, "{pairs:?} -> {e}");
    }
}

#[test]
fn errors_say_what_was_expected() {
    let message = |pairs: &[(&str, &str)]| Config::from_vars(&vars(pairs)).unwrap_err().to_string();
    assert_eq!(
        message(&[("AFTERCARE_EMBEDDED_WORKER", "maybe")]),
        r#"AFTERCARE_EMBEDDED_WORKER: "maybe": expected auto, on or off"#
    );
    assert_eq!(
        message(&[("AFTERCARE_ENV", "staging")]),
        r#"AFTERCARE_ENV: "staging": expected development or production"#
    );
    assert_eq!(
        message(&[("AFTERCARE_DATABSE_URL", "x")]),
        "AFTERCARE_DATABSE_URL: unknown setting (see the README's configuration table)"
    );
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
}

#[test]
fn loopback_push_endpoints_are_off_unless_switched_on_outside_production() {
    let c = Config::from_vars(&vars(&[])).unwrap();
    assert!(!c.webpush.allow_loopback_endpoints);
    assert!(!c.webpush.endpoint_policy().allow_loopback);
    let on = Config::from_vars(&vars(&[("AFTERCARE_WEBPUSH_ALLOW_LOOPBACK", "on")])).unwrap();
    assert!(on.webpush.endpoint_policy().allow_loopback);
    let e = Config::from_vars(&vars(&[("AFTERCARE_WEBPUSH_ALLOW_LOOPBACK", "maybe")])).unwrap_err();
    assert_eq!(e.name, "AFTERCARE_WEBPUSH_ALLOW_LOOPBACK");
    let e = Config::from_vars(&vars(&[
        ("AFTERCARE_ENV", "production"),
        ("AFTERCARE_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("AFTERCARE_WEBPUSH_ALLOW_LOOPBACK", "true"),
    ]))
    .unwrap_err();
    assert_eq!(e.name, "AFTERCARE_WEBPUSH_ALLOW_LOOPBACK");
    assert!(
        e.message.contains("never with AFTERCARE_ENV=production"),
        "{e}"
    );
}

#[test]
fn debug_output_shows_no_secret() {
    let jwt = "jwt-key-0123456789abcdef0123456789";
    let smtp = "smtp-pass-4f9c";
    let pg = "pg-pass-7d1e";
    let c = Config::from_vars(&vars(&[
        ("AFTERCARE_JWT_SECRET", jwt),
        ("AFTERCARE_SMTP_HOST", "smtp.example.test"),
        ("AFTERCARE_SMTP_USERNAME", "mailer"),
        ("AFTERCARE_SMTP_PASSWORD", smtp),
        (
            "DATABASE_URL",
            &format!("postgres://app:{pg}@db:5432/aftercare"),
        ),
    ]))
    .unwrap();
    for shown in [format!("{c:?}"), format!("{c:#?}")] {
        for secret in [jwt, smtp, pg] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("[redacted]") && shown.contains("mailer"),
            "{shown}"
        );
    }
    assert_eq!(c.jwt.secret.expose().as_slice(), jwt.as_bytes());
    assert_eq!(
        c.mail
            .smtp
            .and_then(|s| s.password)
            .map(|p| p.expose().clone()),
        Some(smtp.to_owned())
    );
}

#[test]
fn trusted_proxies_are_cidrs_or_addresses() {
    let c = Config::from_vars(&vars(&[(
        "AFTERCARE_TRUSTED_PROXIES",
        "10.0.0.0/8, 192.0.2.4,fd00::/8",
    )]))
    .unwrap();
    let shown: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["10.0.0.0/8", "192.0.2.4/32", "fd00::/8"]);
    assert!(
        Config::from_vars(&vars(&[]))
            .unwrap()
            .trusted_proxies
            .is_empty()
    );
    let e = Config::from_vars(&vars(&[("AFTERCARE_TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
    assert_eq!(e.name, "AFTERCARE_TRUSTED_PROXIES");
}

#[test]
fn cors_origins_are_bare_origins() {
    let c = Config::from_vars(&vars(&[(
        "AFTERCARE_CORS_ORIGINS",
        "https://a.example, http://localhost:3000",
    )]))
    .unwrap();
    assert_eq!(
        c.cors_origins,
        ["https://a.example", "http://localhost:3000"]
    );
    for bad in ["a.example", "https://a.example/", "*"] {
        let e = Config::from_vars(&vars(&[("AFTERCARE_CORS_ORIGINS", bad)])).unwrap_err();
        assert_eq!(e.name, "AFTERCARE_CORS_ORIGINS", "{bad}");
    }
}

/// A file in a fresh temporary directory, removed with it.
struct SecretFile(std::path::PathBuf);

impl SecretFile {
    fn new(content: &[u8]) -> Self {
        let dir = std::env::temp_dir().join(format!("aftercare-secret-{}", crate::db::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, content).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn secrets_come_from_files_like_docker_and_kubernetes_mount_them() {
    let jwt = SecretFile::new(b"jwt-from-file-0123456789abcdef0123456789\n");
    let smtp = SecretFile::new(b"smtp pass with spaces\r\n");
    let url = SecretFile::new(b"postgres://app:pg-file-pass@db:5432/aftercare\n");
    let c = Config::from_vars(&vars(&[
        ("AFTERCARE_ENV", "production"),
        ("AFTERCARE_JWT_SECRET_FILE", jwt.path()),
        ("AFTERCARE_SMTP_HOST", "smtp.example.test"),
        ("AFTERCARE_SMTP_PASSWORD_FILE", smtp.path()),
        ("DATABASE_URL_FILE", url.path()),
    ]))
    .unwrap();
    // One trailing line break is the file's, not the secret's.
    assert_eq!(
        c.jwt.secret.expose().as_slice(),
        b"jwt-from-file-0123456789abcdef0123456789"
    );
    let password = c.mail.smtp.as_ref().and_then(|s| s.password.clone());
    assert_eq!(
        password.map(|p| p.expose().clone()),
        Some("smtp pass with spaces".to_owned())
    );
    assert_eq!(
        c.database_url,
        DatabaseUrl::Postgres("postgres://app:pg-file-pass@db:5432/aftercare".into())
    );
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("pg-file-pass") && !shown.contains("jwt-from-file"),
        "{shown}"
    );
}

#[test]
fn a_secret_set_both_ways_stops_start_up() {
    let file = SecretFile::new(b"0123456789abcdef0123456789abcdef");
    for (plain, file_setting, value) in [
        (
            "AFTERCARE_JWT_SECRET",
            "AFTERCARE_JWT_SECRET_FILE",
            "0123456789abcdef0123456789abcdef",
        ),
        (
            "AFTERCARE_SMTP_PASSWORD",
            "AFTERCARE_SMTP_PASSWORD_FILE",
            "pw",
        ),
        ("DATABASE_URL", "DATABASE_URL_FILE", "sqlite://a.db"),
    ] {
        let e = Config::from_vars(&vars(&[
            ("AFTERCARE_SMTP_HOST", "smtp.example.test"),
            (plain, value),
            (file_setting, file.path()),
        ]))
        .unwrap_err();
        assert_eq!(e.name, file_setting);
        assert_eq!(
            e.message,
            format!("set either {plain} or {file_setting}, not both")
        );
    }
}

#[test]
fn an_unreadable_or_empty_secret_file_is_named_without_its_content() {
    let empty = SecretFile::new(b"\n");
    let e = Config::from_vars(&vars(&[("AFTERCARE_JWT_SECRET_FILE", empty.path())])).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("AFTERCARE_JWT_SECRET_FILE: {:?} is empty", empty.path())
    );

    let e = Config::from_vars(&vars(&[(
        "DATABASE_URL_FILE",
        "/nonexistent/aftercare-url",
    )]))
    .unwrap_err();
    assert_eq!(e.name, "DATABASE_URL_FILE");
    assert!(
        e.message
            .starts_with(r#"cannot read "/nonexistent/aftercare-url": "#),
        "{e}"
    );

    // The file's content goes through the same checks as the variable, without being quoted.
    let short = SecretFile::new(b"short-secret-7f3a");
    let e = Config::from_vars(&vars(&[("AFTERCARE_JWT_SECRET_FILE", short.path())])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "AFTERCARE_JWT_SECRET: must be at least 32 bytes"
    );
    let bad = SecretFile::new(b"mysql://root:mysql-pass-9c1d@db/x");
    let e = Config::from_vars(&vars(&[("DATABASE_URL_FILE", bad.path())])).unwrap_err();
    assert_eq!(e.name, "DATABASE_URL");
    assert!(!e.message.contains("mysql-pass-9c1d"), "{e}");
}
