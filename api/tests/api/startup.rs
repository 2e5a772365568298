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

/// The README's run shape: the binary serves `/healthz` and `/readyz` on a fresh SQLite file with
/// nothing else present, and SIGTERM stops it cleanly with exit code 0.
#[test]
fn serves_then_stops_cleanly_on_sigterm() {
    use std::io::Read;
    use std::time::{Duration, Instant};

    let dir =
        std::env::temp_dir().join(format!("aftercare-serve-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(&dir)
        .env_clear()
        .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let get = |path: &str| -> Option<String> {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    };
    let started = Instant::now();
    let health = loop {
        if let Some(r) = get("/healthz") {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let ready = get("/readyz").unwrap();
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        dir.join("aftercare.db").exists(),
        "default database is sqlite://aftercare.db"
    );

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
        "no es text",
        "docs/FACTS.md",
    ] {
        assert!(lines[0].contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("panicked"));
}
