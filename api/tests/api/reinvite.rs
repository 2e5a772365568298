//! Resending an invitation: `POST /v1/clinic/patients/{id}/invitation`,
//! `POST /v1/clinic/staff/{id}/invitation` and the operator's `api invitation resend`.

use std::process::Command;

use serde_json::{Value, json};

use crate::auth_support::{accept, nth_code, str_of, tokens};
use crate::both_backends_with_smtp;
use crate::helpers::{TestApp, problem};

const GOOD: &str = "blue-canyon-river-7";

async fn enrol(app: &TestApp, token: &str, email: &str) -> String {
    let body =
        json!({"email": email, "given_name": "Lucía", "timezone": "Europe/Madrid", "locale": "es"});
    let r = app
        .post_json("/v1/clinic/patients", Some(token), &body)
        .await;
    assert_eq!(r.status(), 201);
    str_of(&r.json::<Value>().await.unwrap(), "id")
}

async fn resend(app: &TestApp, token: &str, kind: &str, id: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/v1/clinic/{kind}/{id}/invitation"),
        Some(token),
    )
    .send()
    .await
    .unwrap()
}

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<String> {
    let log: Value = app
        .get("/v1/clinic/audit", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| str_of(i, "action"))
        .collect()
}

both_backends_with_smtp! {
    async fn a_patients_invitation_is_resent_and_the_old_code_dies(app, smtp) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let (_, clinician) = app.staff_in(&admin_user.clinic_id, "clinician").await;
        let id = enrol(&app, &clinician, "lucia@example.test").await;
        let (_, old) = nth_code(&smtp, "lucia@example.test", 1).await;

        let r = resend(&app, &clinician, "patients", &id).await;
        assert_eq!(r.status(), 202);
        let (mail, new) = nth_code(&smtp, "lucia@example.test", 2).await;
        assert_ne!(old, new);
        assert!(mail.body_text().contains("Hola"), "in the patient's language");
        assert!(audit_actions(&app, &admin).await.contains(&"invitation.resend".to_owned()));

        // The old code no longer works; the new one does, once.
        problem(accept(&app, &old, GOOD).await, 422).await;
        let t = tokens(accept(&app, &new, GOOD).await).await;
        assert_eq!(t["user_id"], id.as_str());

        // An active account gets no new invitation.
        problem(resend(&app, &clinician, "patients", &id).await, 409).await;
        assert_eq!(smtp.to("lucia@example.test").len(), 2);

        // Another clinic's patient, or a staff id on the patients' route, is 404.
        let (_, stranger) = app.staff("clinic_admin").await;
        let other = enrol(&app, &admin, "otro@example.test").await;
        problem(resend(&app, &stranger, "patients", &other).await, 404).await;
        problem(resend(&app, &admin, "patients", admin_user.id.as_str()).await, 404).await;
        problem(resend(&app, &admin, "patients", "no-such-id").await, 404).await;
    }

    async fn a_staff_invitation_is_resent_by_admins_only(app, smtp) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let (_, clinician) = app.staff_in(&admin_user.clinic_id, "clinician").await;
        let r = app.post_json("/v1/clinic/staff", Some(&admin), &json!({"email": "nora@example.test", "name": "Nora", "role": "clinician"})).await;
        assert_eq!(r.status(), 201);
        let id = str_of(&r.json::<Value>().await.unwrap(), "id");
        let (_, old) = nth_code(&smtp, "nora@example.test", 1).await;

        problem(resend(&app, &clinician, "staff", &id).await, 403).await;
        let patient = enrol(&app, &admin, "pat@example.test").await;
        problem(resend(&app, &admin, "staff", &patient).await, 404).await;
        let (_, stranger) = app.staff("clinic_admin").await;
        problem(resend(&app, &stranger, "staff", &id).await, 404).await;

        assert_eq!(resend(&app, &admin, "staff", &id).await.status(), 202);
        let (_, new) = nth_code(&smtp, "nora@example.test", 2).await;
        problem(accept(&app, &old, GOOD).await, 422).await;
        tokens(accept(&app, &new, GOOD).await).await;
        problem(resend(&app, &admin, "staff", &id).await, 409).await;
    }

    async fn an_undeliverable_resend_is_503_and_can_be_retried(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let id = enrol(&app, &admin, "maya@example.test").await;
        nth_code(&smtp, "maya@example.test", 1).await;
        smtp.refuse_recipients(550, "5.1.1 no such mailbox");
        let p = problem(resend(&app, &admin, "patients", &id).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "email", "{p}");
        smtp.refuse_recipients(421, "service not available");
        problem(resend(&app, &admin, "patients", &id).await, 503).await;
        smtp.accept_recipients();
        assert_eq!(resend(&app, &admin, "patients", &id).await.status(), 202);
        let (_, code) = nth_code(&smtp, "maya@example.test", 2).await;
        tokens(accept(&app, &code, GOOD).await).await;
    }

    async fn the_operator_resends_by_email(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        enrol(&app, &admin, "op@example.test").await;
        let (_, old) = nth_code(&smtp, "op@example.test", 1).await;
        let url = app.database_url.clone();
        let settings = smtp.settings();
        let run = move |email: &'static str| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
            cmd.env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn")
                .args(["invitation", "resend", "--email", email]);
            for (k, v) in &settings {
                cmd.env(k, v);
            }
            cmd.output().unwrap()
        };
        let run2 = run.clone();
        let out = tokio::task::spawn_blocking(move || run2("OP@example.test")).await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("The code was emailed to op@example.test"), "{stdout}");
        let (_, new) = nth_code(&smtp, "op@example.test", 2).await;
        assert!(stdout.contains(&new), "the new code is printed for the operator");
        problem(accept(&app, &old, GOOD).await, 422).await;
        tokens(accept(&app, &new, GOOD).await).await;

        // Active now: nothing to resend, and the operator is told so.
        let run3 = run.clone();
        let out = tokio::task::spawn_blocking(move || run3("op@example.test")).await.unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already active"));
        let out = tokio::task::spawn_blocking(move || run("nobody@example.test")).await.unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no account"));
    }
}
