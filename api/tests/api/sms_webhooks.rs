//! The SMS provider's callbacks: signed inbound texts (STOP, START, HELP, anything else) and
//! delivery receipts; a missing, wrong or replayed signature is 403 and records nothing.

use diesel::prelude::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use shared::db::Backend;
use shared::db::schema::{delivery_attempts, sms_inbound, sms_status_events};
use shared::sms::signature;

use crate::helpers::{TestApp, problem};
use crate::treatments::{record, treatment_body};

pub const AUTH_TOKEN: &str = "test-sms-auth-token-0123456789ab";
pub const SERVICE_NUMBER: &str = "+34911000000";
pub const PATIENT_NUMBER: &str = "+34600111222";

pub const SMS_SETTINGS: &[(&str, &str)] = &[
    (
        "AFTERCARE_SMS_ACCOUNT_SID",
        "AC0123456789abcdef0123456789abcdef",
    ),
    ("AFTERCARE_SMS_AUTH_TOKEN", AUTH_TOKEN),
    ("AFTERCARE_SMS_FROM", SERVICE_NUMBER),
];

/// Runs `$body` on SQLite and PostgreSQL with SMS configured.
macro_rules! with_sms {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn run($app: TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    run(TestApp::spawn_with(Backend::Sqlite, SMS_SETTINGS).await.unwrap()).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = TestApp::spawn_with(Backend::Postgres, SMS_SETTINGS).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Posts `form` to `path` as the provider does, signed with `token` (`None`: no signature).
pub async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
    token: Option<&str>,
) -> Response {
    let url = format!("{}{path}", app.config.public_url);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter())
        .finish();
    let mut rb = app
        .request(Method::POST, path, None)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(token) = token {
        rb = rb.header(signature::HEADER, signature::sign(token, &url, form));
    }
    rb.send().await.unwrap()
}

fn inbound_form(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    pairs(&[
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("From", from),
        ("To", SERVICE_NUMBER),
        ("Body", body),
        ("NumMedia", "0"),
    ])
}

async fn text_in(app: &TestApp, sid: &str, body: &str) -> Response {
    post_form(
        app,
        "/v1/webhooks/sms/inbound",
        &inbound_form(sid, PATIENT_NUMBER, body),
        Some(AUTH_TOKEN),
    )
    .await
}

async fn twiml(r: Response) -> String {
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/xml"), "{ct}");
    r.text().await.unwrap()
}

const EMPTY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// A patient with `PATIENT_NUMBER` on file and consent to texts, and the staff token.
async fn texting_patient(app: &TestApp) -> (String, String, String) {
    let (staff, staff_token) = app.staff("clinician").await;
    let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
    let r = app
        .request(Method::PATCH, "/v1/me", Some(&token))
        .json(&json!({"phone": "+34 600 111 222", "sms_consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    (staff_token, patient.id.into_string(), token)
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.get("/v1/me", Some(token)).await.json().await.unwrap()
}

async fn inbound_rows(app: &TestApp) -> i64 {
    app.db
        .run(|c| Ok(sms_inbound::table.count().get_result(c)?))
        .await
        .unwrap()
}

async fn status_rows(app: &TestApp) -> i64 {
    app.db
        .run(|c| Ok(sms_status_events::table.count().get_result(c)?))
        .await
        .unwrap()
}

with_sms! {
    async fn stop_and_start_change_consent_and_a_replay_is_refused(app) {
        let (_, _, token) = texting_patient(&app).await;
        assert_eq!(me(&app, &token).await["sms_consent"]["granted"], true);

        assert_eq!(twiml(text_in(&app, "SM0001", "Stop").await).await, EMPTY);
        let consent = me(&app, &token).await["sms_consent"].clone();
        assert_eq!(consent["granted"], false, "{consent}");
        assert_eq!(consent["source"], "patient");
        assert!(consent["granted_at"].is_null());

        // The same message again (a replay) is refused and changes nothing.
        let rows = inbound_rows(&app).await;
        let p = problem(text_in(&app, "SM0001", "START").await, 403).await;
        assert!(p["detail"].as_str().unwrap().contains("already"), "{p}");
        assert_eq!(inbound_rows(&app).await, rows);
        assert_eq!(me(&app, &token).await["sms_consent"]["granted"], false);

        assert_eq!(twiml(text_in(&app, "SM0002", "unstop").await).await, EMPTY);
        let consent = me(&app, &token).await["sms_consent"].clone();
        assert_eq!(consent["granted"], true, "{consent}");
        assert!(consent["granted_at"].is_string());
    }

    async fn help_names_the_clinic_and_other_text_is_answered_once_and_shown(app) {
        let (staff_token, patient, _) = texting_patient(&app).await;
        let help = twiml(text_in(&app, "SM0101", "HELP").await).await;
        assert!(help.contains("<Response><Message>Test Clinic: "), "{help}");
        assert!(help.contains("STOP"), "{help}");

        let notice = twiml(text_in(&app, "SM0102", "My cheek is <very> red & hot").await).await;
        assert!(notice.contains("<Message>"), "{notice}");
        assert!(notice.contains("urgent"), "{notice}");
        // Answered once: the next free text within a day gets no reply.
        assert_eq!(twiml(text_in(&app, "SM0103", "hello?").await).await, EMPTY);

        let rec: Value = app
            .get(&format!("/v1/clinic/patients/{patient}"), Some(&staff_token))
            .await
            .json()
            .await
            .unwrap();
        let texts = rec["texts"].as_array().unwrap();
        let bodies: Vec<&str> = texts.iter().map(|t| t["body"].as_str().unwrap()).collect();
        assert!(bodies.contains(&"My cheek is <very> red & hot"), "{bodies:?}");
        assert!(bodies.contains(&"hello?"), "{bodies:?}");
        let help_row = texts.iter().find(|t| t["body"] == "HELP").unwrap();
        assert_eq!(help_row["keyword"], "help");
        assert!(texts.iter().filter(|t| t["body"] != "HELP").all(|t| t["keyword"].is_null()));
        assert_eq!(rec["sms_consent"]["granted"], true);
    }

    async fn a_missing_or_wrong_signature_is_403_and_records_nothing(app) {
        let (_, _, token) = texting_patient(&app).await;
        let form = inbound_form("SM0201", PATIENT_NUMBER, "STOP");
        for signed in [None, Some("another-token")] {
            let r = post_form(&app, "/v1/webhooks/sms/inbound", &form, signed).await;
            problem(r, 403).await;
        }
        // Signed over another URL (a query added on the way), or a parameter changed after.
        let url = format!("{}/v1/webhooks/sms/inbound", app.config.public_url);
        let good = signature::sign(AUTH_TOKEN, &url, &form);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (k, if k == "Body" { "START" } else { v })))
            .finish();
        let r = app.request(Method::POST, "/v1/webhooks/sms/inbound", None)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(signature::HEADER, &good)
            .body(body)
            .send().await.unwrap();
        problem(r, 403).await;
        let r = app.request(Method::POST, "/v1/webhooks/sms/inbound?x=1", None)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(signature::HEADER, &good)
            .body(form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter()).finish())
            .send().await.unwrap();
        problem(r, 403).await;
        let status = pairs(&[("MessageSid", "SM0201"), ("MessageStatus", "delivered")]);
        problem(post_form(&app, "/v1/webhooks/sms/status", &status, None).await, 403).await;
        problem(post_form(&app, "/v1/webhooks/sms/status", &status, Some("x")).await, 403).await;

        assert_eq!(inbound_rows(&app).await, 0);
        assert_eq!(status_rows(&app).await, 0);
        assert_eq!(me(&app, &token).await["sms_consent"]["granted"], true);
    }

    async fn receipts_are_recorded_on_the_attempt_and_shown_per_prompt(app) {
        let (staff_token, patient, token) = texting_patient(&app).await;
        let planned = record(&app, &staff_token, &patient, &treatment_body(1)).await;
        let prompt_id = planned["prompts"][0]["id"].as_str().unwrap().to_owned();
        let id = prompt_id.clone();
        app.db.run(move |c| {
            diesel::insert_into(delivery_attempts::table)
                .values((
                    delivery_attempts::id.eq("attempt-sms-1"),
                    delivery_attempts::prompt_id.eq(&id),
                    delivery_attempts::channel.eq("sms"),
                    delivery_attempts::outcome.eq("sent"),
                    delivery_attempts::status_code.eq(201),
                    delivery_attempts::provider_id.eq("SM0301"),
                    delivery_attempts::worker_id.eq("test"),
                    delivery_attempts::attempted_at.eq(shared::time::now()),
                ))
                .execute(c)?;
            Ok(())
        }).await.unwrap();
        let deliveries = |tl: &Value| {
            tl["prompts"].as_array().unwrap().iter()
                .find(|p| p["id"] == prompt_id.as_str()).unwrap()["deliveries"].clone()
        };
        let tl: Value = app.get("/v1/me/timeline", Some(&token)).await.json().await.unwrap();
        assert_eq!(deliveries(&tl)[0]["channel"], "sms");
        assert_eq!(deliveries(&tl)[0]["status"], "sent");

        let status = |s: &str| pairs(&[("MessageSid", "SM0301"), ("MessageStatus", s),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef")]);
        // A status that is not a delivery outcome is acknowledged and ignored.
        let r = post_form(&app, "/v1/webhooks/sms/status", &status("sending"), Some(AUTH_TOKEN)).await;
        assert_eq!(r.status(), 204);
        assert_eq!(status_rows(&app).await, 0);
        for s in ["sent", "delivered"] {
            let r = post_form(&app, "/v1/webhooks/sms/status", &status(s), Some(AUTH_TOKEN)).await;
            assert_eq!(r.status(), 204, "{s}");
        }
        // A replay of the same status is refused and records nothing more.
        problem(post_form(&app, "/v1/webhooks/sms/status", &status("delivered"), Some(AUTH_TOKEN)).await, 403).await;
        assert_eq!(status_rows(&app).await, 2);
        // A late `sent` does not take `delivered` back.
        let late = pairs(&[("MessageSid", "SM0301"), ("MessageStatus", "queued")]);
        assert_eq!(post_form(&app, "/v1/webhooks/sms/status", &late, Some(AUTH_TOKEN)).await.status(), 204);

        let tl: Value = app.get("/v1/me/timeline", Some(&token)).await.json().await.unwrap();
        assert_eq!(deliveries(&tl), json!([{"channel": "sms", "at": deliveries(&tl)[0]["at"], "status": "delivered"}]));
        let rec: Value = app.get(&format!("/v1/clinic/patients/{patient}"), Some(&staff_token))
            .await.json().await.unwrap();
        let shown = rec["prompts"].as_array().unwrap().iter()
            .find(|p| p["id"] == prompt_id.as_str()).unwrap().clone();
        assert_eq!(shown["deliveries"][0]["status"], "delivered", "{shown}");
    }

    async fn callbacks_are_form_posts_only(app) {
        let r = app.get("/v1/webhooks/sms/inbound", None).await;
        let p = problem(r, 405).await;
        assert!(p["detail"].is_string());
        let r = app.post_json("/v1/webhooks/sms/status", None, &json!({"MessageSid": "SM1"})).await;
        problem(r, 415).await;
        let big = "x".repeat(20 * 1024);
        let form = inbound_form("SM0401", PATIENT_NUMBER, &big);
        problem(post_form(&app, "/v1/webhooks/sms/inbound", &form, Some(AUTH_TOKEN)).await, 413).await;
        // Signed, but not a callback the provider sends.
        let form = pairs(&[("From", PATIENT_NUMBER), ("Body", "hi")]);
        problem(post_form(&app, "/v1/webhooks/sms/inbound", &form, Some(AUTH_TOKEN)).await, 400).await;
        assert_eq!(inbound_rows(&app).await, 0);
    }
}

crate::both_backends! {
    async fn without_sms_settings_the_callbacks_are_404(app) {
        let form = inbound_form("SM0501", PATIENT_NUMBER, "STOP");
        for path in ["/v1/webhooks/sms/inbound", "/v1/webhooks/sms/status"] {
            problem(post_form(&app, path, &form, Some(AUTH_TOKEN)).await, 404).await;
        }
        assert_eq!(inbound_rows(&app).await, 0);
    }
}
