//! Start-up failures are one clear line naming the setting, with a non-zero exit, never a panic.

use std::process::Command;

fn run_api(vars: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!(
        "aftercare-startup-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_database_urls_stop_start_up_in_one_line() {
    for (url, expect) in [
        ("mysql://root@localhost/db", "unsupported scheme"),
        ("sqlite://", "needs a file path"),
        (
            "postgres://nobody@127.0.0.1:1/none",
            "cannot open the database",
        ),
    ] {
        let (code, stderr) = run_api(&[("DATABASE_URL", url)], &["migrate"]);
        assert_ne!(code, 0, "{url}");
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{url}: expected one line, got {stderr:?}");
        assert!(
            lines[0].contains("DATABASE_URL") && lines[0].contains(expect),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn bad_cron_and_missing_production_secret_are_named() {
    let (code, stderr) = run_api(&[("AFTERCARE_DISPATCH_CRON", "every minute")], &["migrate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("AFTERCARE_DISPATCH_CRON"), "{stderr}");
    let (code, stderr) = run_api(&[("AFTERCARE_ENV", "production")], &["migrate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("AFTERCARE_JWT_SECRET"), "{stderr}");
}

#[test]
fn migrate_creates_and_migrates_the_default_sqlite_database() {
    let (code, stderr) = run_api(
        &[("DATABASE_URL", "sqlite://data/aftercare.db")],
        &["migrate"],
    );
    assert_eq!(code, 0, "{stderr}");
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on a loopback port; `None` while nothing listens.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

// The child is returned to the caller, which waits for it (`stop_with_sigterm`).
#[allow(clippy::zombie_processes)]
/// The `api` binary serving in `dir` with only `vars`, once `probe` answers on `port`.
fn serve(
    dir: &std::path::Path,
    vars: &[(&str, String)],
    port: u16,
    probe: &str,
) -> (std::process::Child, String) {
    use std::time::{Duration, Instant};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.current_dir(dir)
        .env_clear()
        .stderr(std::process::Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    loop {
        if let Some(r) = http_get(port, probe) {
            return (child, r);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends SIGTERM and waits for the exit: its code and everything logged.
fn stop_with_sigterm(mut child: std::process::Child) -> (Option<i32>, String) {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (code, stderr)
}

/// The README's run shape: the binary serves `/healthz` and `/readyz` on a fresh SQLite file with
/// nothing else present, and SIGTERM stops it cleanly with exit code 0.
#[test]
fn serves_then_stops_cleanly_on_sigterm() {
    let dir =
        std::env::temp_dir().join(format!("aftercare-serve-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let vars = [
        ("AFTERCARE_BIND", format!("127.0.0.1:{port}")),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let (child, health) = serve(&dir, &vars, port, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let ready = http_get(port, "/readyz").unwrap();
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        dir.join("aftercare.db").exists(),
        "default database is sqlite://aftercare.db"
    );

    let (code, stderr) = stop_with_sigterm(child);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_protocol_stops_start_up_naming_the_file_and_prompt() {
    let dir = std::env::temp_dir().join(format!(
        "aftercare-protocol-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("broken.toml"),
        "version = \"v9\"\n[[prompts]]\nkey = \"day1\"\nkind = \"aftercare\"\nday = 1\n\
         time = \"09:00\"\nen = { title = \"T\", body = \"B\" }\n",
    )
    .unwrap();
    let (code, stderr) = run_api(
        &[
            ("AFTERCARE_PROTOCOL_DIR", dir.to_str().unwrap()),
            ("AFTERCARE_BIND", "127.0.0.1:0"),
            ("RUST_LOG", "error"),
        ],
        &["serve"],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_ne!(code, 0, "{stderr}");
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    for needle in [
        "AFTERCARE_PROTOCOL_DIR",
        "broken.toml",
        "\"day1\"",
        "es: is missing",
        "docs/FACTS.md",
    ] {
        assert!(lines[0].contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("panicked"));
}

/// Operators told the truth: in production with no SMTP, FCM or APNs, start-up warns once per
/// missing channel and `/readyz` stays 200 naming them; with `AFTERCARE_METRICS_BIND`, `/metrics`
/// is served there and not on the public address; SIGTERM is logged with what it does.
#[test]
fn production_names_missing_channels_and_serves_metrics_on_its_own_address() {
    let dir = std::env::temp_dir().join(format!("aftercare-ops-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let vars = [
        ("AFTERCARE_ENV", "production".to_owned()),
        ("AFTERCARE_JWT_SECRET", "x".repeat(40)),
        ("AFTERCARE_BIND", format!("127.0.0.1:{port}")),
        (
            "AFTERCARE_METRICS_BIND",
            format!("127.0.0.1:{metrics_port}"),
        ),
        ("RUST_LOG", "info".to_owned()),
    ];
    let (child, ready) = serve(&dir, &vars, port, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        ready.contains(r#""not_configured":["smtp","fcm","apns","sms"]"#),
        "{ready}"
    );
    assert!(ready.contains(r#""push_config_errors":[]"#), "{ready}");
    let public = http_get(port, "/metrics").unwrap();
    assert!(public.starts_with("HTTP/1.1 404"), "{public}");
    let private = http_get(metrics_port, "/metrics").unwrap();
    assert!(private.starts_with("HTTP/1.1 200"), "{private}");
    assert!(
        private.contains("aftercare_http_requests_total"),
        "{private}"
    );
    assert!(
        http_get(metrics_port, "/readyz")
            .unwrap()
            .starts_with("HTTP/1.1 404")
    );

    let (code, stderr) = stop_with_sigterm(child);
    assert_eq!(code, Some(0), "{stderr}");
    for channel in ["smtp", "fcm", "apns", "sms"] {
        let warnings = stderr
            .lines()
            .filter(|l| {
                l.contains("WARN")
                    && l.contains("delivery channel not configured")
                    && l.contains(&format!("channel=\"{channel}\""))
            })
            .count();
        assert_eq!(warnings, 1, "{channel}: {stderr}");
    }
    assert!(
        stderr.contains("SIGTERM received: graceful stop"),
        "{stderr}"
    );
    assert!(stderr.contains("API stopped"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// With the embedded delivery loop off (a separate worker sends prompts), the API sends only
/// invitation emails (and texts): `/readyz` and the production WARN lines name SMTP and SMS,
/// not FCM or APNs.
#[test]
fn an_api_without_the_delivery_loop_names_only_smtp() {
    let dir =
        std::env::temp_dir().join(format!("aftercare-split-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let vars = [
        ("AFTERCARE_ENV", "production".to_owned()),
        ("AFTERCARE_JWT_SECRET", "x".repeat(40)),
        ("AFTERCARE_BIND", format!("127.0.0.1:{port}")),
        ("AFTERCARE_EMBEDDED_WORKER", "off".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ];
    let (child, ready) = serve(&dir, &vars, port, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        ready.contains(r#""not_configured":["smtp","sms"]"#),
        "{ready}"
    );
    let (code, stderr) = stop_with_sigterm(child);
    assert_eq!(code, Some(0), "{stderr}");
    let warned = |channel: &str| {
        stderr.lines().any(|l| {
            l.contains("delivery channel not configured")
                && l.contains(&format!("channel=\"{channel}\""))
        })
    };
    assert!(warned("smtp") && warned("sms"), "{stderr}");
    assert!(!warned("fcm") && !warned("apns"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
