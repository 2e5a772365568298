//! `api clinic create`: the real binary creates a clinic and its admin, prints the one-time code
//! and emails it over SMTP; the admin can then activate the account over HTTP.

use std::process::{Command, Output};

use serde_json::Value;
use shared::db::Backend;
use shared::testing::TestDatabase;
use shared::testing::smtp::SmtpServer;

use crate::auth_support::{accept, code_in, nth_code, str_of, tokens};
use crate::helpers::TestApp;

fn clinic_create(database_url: &str, smtp: Option<&SmtpServer>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .args(["clinic", "create"])
        .args(args);
    if let Some(smtp) = smtp {
        for (k, v) in smtp.settings() {
            cmd.env(k, v);
        }
    }
    cmd.output().unwrap()
}

async fn creates_a_clinic_and_invites_its_admin(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let url = db.url_string();
    let (url2, smtp2) = (url.clone(), smtp.clone());
    let out = tokio::task::spawn_blocking(move || {
        clinic_create(
            &url2,
            Some(&smtp2),
            &[
                "--name",
                "Clínica Sol",
                "--timezone",
                "Europe/Madrid",
                "--admin-email",
                "Boss@Sol.test",
                "--contact-phone",
                "+34 910 000 000",
            ],
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = stdout
        .lines()
        .find(|l| l.contains("invitation code"))
        .map(code_in)
        .unwrap_or_else(|| panic!("no code printed: {stdout}"));
    let (_, emailed) = nth_code(&smtp, "boss@sol.test", 1).await;
    assert_eq!(printed, emailed);

    let app = TestApp::spawn_with(backend, &[("DATABASE_URL", url.as_str())])
        .await
        .unwrap();
    let t = tokens(accept(&app, &printed, "sunny-clinic-admin-1").await).await;
    assert_eq!(t["role"], "clinic_admin");
    let clinic: Value = app
        .get("/v1/clinic", Some(&str_of(&t, "access_token")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clinic["name"], "Clínica Sol");
    assert_eq!(clinic["timezone"], "Europe/Madrid");
    assert_eq!(clinic["contact_phone"], "+34 910 000 000");

    // Running the same command again does not create a second clinic.
    let out = tokio::task::spawn_blocking(move || {
        clinic_create(
            &url,
            None,
            &[
                "--name",
                "Clínica Sol",
                "--timezone",
                "UTC",
                "--admin-email",
                "x@sol.test",
            ],
        )
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinic_create_on_sqlite() {
    creates_a_clinic_and_invites_its_admin(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinic_create_on_postgres() {
    creates_a_clinic_and_invites_its_admin(Backend::Postgres).await;
}

#[test]
fn bad_arguments_are_named_in_one_line() {
    let db = TestDatabase::sqlite();
    let url = db.url_string();
    for (args, expect) in [
        (
            [
                "--name",
                "A",
                "--timezone",
                "Mars/Base",
                "--admin-email",
                "a@b.test",
            ],
            "--timezone",
        ),
        (
            [
                "--name",
                "A",
                "--timezone",
                "UTC",
                "--admin-email",
                "not-an-email",
            ],
            "--admin-email",
        ),
        (
            [
                "--name",
                " ",
                "--timezone",
                "UTC",
                "--admin-email",
                "a@b.test",
            ],
            "--name",
        ),
    ] {
        let out = clinic_create(&url, None, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(expect), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
    let out = clinic_create(
        &url,
        None,
        &[
            "--name",
            "A",
            "--timezone",
            "UTC",
            "--admin-email",
            "a@b.test",
            "--contact-phone",
            "call me",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--contact-phone"));
    // Missing required arguments are clap's usage error.
    let out = clinic_create(&url, None, &["--name", "A"]);
    assert_eq!(out.status.code(), Some(2));
}
