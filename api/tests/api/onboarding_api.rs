//! Front-desk onboarding over the API: the invitation outcome in `POST /v1/clinic/patients` and
//! `POST /v1/clinic/patients/{id}/invitation` says what actually happened (no SMTP server: the
//! code to hand over, `emailed: false`), and `PATCH /v1/clinic/patients/{id}` corrects a
//! patient's details.

use serde_json::{Value, json};

use crate::auth_support::{accept, nth_code, str_of, tokens};
use crate::helpers::{TestApp, problem};
use crate::{both_backends, both_backends_with_smtp};

const GOOD: &str = "blue-canyon-river-7";

async fn enrol(app: &TestApp, token: &str, email: &str) -> Value {
    let body = json!({"email": email, "given_name": "Lucía", "family_name": "Gómez",
        "phone": "+34 600 111 222", "timezone": "Europe/Madrid", "locale": "es"});
    let r = app
        .post_json("/v1/clinic/patients", Some(token), &body)
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn patch(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.request(
        reqwest::Method::PATCH,
        &format!("/v1/clinic/patients/{id}"),
        Some(token),
    )
    .json(body)
    .send()
    .await
    .unwrap()
}

async fn resend(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/v1/clinic/patients/{id}/invitation"),
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

/// The invitation object's contract fields, checked; returns the code.
fn checked_invitation(app: &TestApp, body: &Value, emailed: bool) -> String {
    let inv = &body["invitation"];
    let code = str_of(inv, "code");
    assert_eq!(code.len(), 19, "{inv}");
    assert_eq!(
        inv["link"],
        format!("{}/app/invitation?code={code}", app.config.public_url),
        "{inv}"
    );
    assert_eq!(inv["emailed"], emailed, "{inv}");
    assert_eq!(inv["texted"], false, "{inv}");
    let expires: chrono::DateTime<chrono::Utc> = str_of(inv, "expires_at").parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((71.0..=72.1).contains(&hours), "{hours} h");
    code
}

both_backends! {
    async fn without_smtp_the_clinic_gets_the_code_to_hand_over(app) {
        let (_, admin) = app.staff("clinic_admin").await;
        let body = enrol(&app, &admin, "lucia@example.test").await;
        let first = checked_invitation(&app, &body, false);
        let id = str_of(&body, "id");

        // A new code replaces it; neither was emailed.
        let r = resend(&app, &admin, &id).await;
        assert_eq!(r.status(), 202);
        let second = checked_invitation(&app, &r.json::<Value>().await.unwrap(), false);
        assert_ne!(first, second);
        problem(accept(&app, &first, GOOD).await, 422).await;
        let t = tokens(accept(&app, &second, GOOD).await).await;
        assert_eq!(t["user_id"], id.as_str());

        // Staff invitations say the same.
        let r = app
            .post_json("/v1/clinic/staff", Some(&admin),
                &json!({"email": "nora@example.test", "name": "Nora", "role": "clinician"}))
            .await;
        assert_eq!(r.status(), 201);
        let staff: Value = r.json().await.unwrap();
        assert_eq!(staff["invitation"]["emailed"], false);
        assert!(staff["invitation"]["link"].as_str().unwrap().ends_with("/console/invitation"));
        let r = resend_staff(&app, &admin, &str_of(&staff, "id")).await;
        assert_eq!(r.status(), 202);
        let code = str_of(&r.json::<Value>().await.unwrap()["invitation"], "code");
        tokens(accept(&app, &code, GOOD).await).await;
    }

    async fn staff_correct_a_patients_details(app) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let (_, clinician) = app.staff_in(&admin_user.clinic_id, "clinician").await;
        let body = enrol(&app, &admin, "lucia@example.test").await;
        let id = str_of(&body, "id");
        let old_code = str_of(&body["invitation"], "code");

        let r = patch(&app, &clinician, &id,
            &json!({"phone": "+34 611 000 999", "given_name": "Lucia", "family_name": null})).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["phone"], "+34611000999", "stored in E.164");
        assert_eq!(p["given_name"], "Lucia");
        assert!(p["family_name"].is_null());
        assert_eq!(p["email"], "lucia@example.test");
        assert_eq!(p["status"], "invited");
        assert_eq!(p["changed"], json!(["phone", "given_name", "family_name"]));
        assert!(p.get("invitation").is_none(), "the email did not change: {p}");
        let actions = audit_actions(&app, &admin).await;
        for a in ["patient.phone_update", "patient.given_name_update", "patient.family_name_update"] {
            assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
        }
        assert!(!actions.contains(&"patient.email_update".to_owned()));

        // The record and the roster's search see the new details.
        let rec: Value = app.get(&format!("/v1/clinic/patients/{id}"), Some(&admin)).await.json().await.unwrap();
        assert_eq!(rec["phone"], "+34611000999");
        let found: Value = app.get("/v1/clinic/patients?q=lucia", Some(&admin)).await.json().await.unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

        // A changed email of a waiting patient re-sends: a new code, the old one dead.
        let r = patch(&app, &clinician, &id, &json!({"email": "lucia.g@example.test"})).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["email"], "lucia.g@example.test");
        let new_code = checked_invitation(&app, &p, false);
        assert_ne!(new_code, old_code);
        problem(accept(&app, &old_code, GOOD).await, 422).await;
        let actions = audit_actions(&app, &admin).await;
        assert!(actions.contains(&"patient.email_update".to_owned()));
        assert!(actions.contains(&"invitation.resend".to_owned()));

        // Once active, a new email changes the login, and no invitation is sent.
        tokens(accept(&app, &new_code, GOOD).await).await;
        let r = patch(&app, &admin, &id, &json!({"email": "lucia@example.test"})).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["status"], "active");
        assert!(p.get("invitation").is_none());
        tokens(crate::auth_support::login(&app, "lucia@example.test", GOOD).await).await;

        // Nothing to change: 200, nothing changed.
        let p: Value = patch(&app, &admin, &id, &json!({})).await.json().await.unwrap();
        assert_eq!(p["changed"], json!([]));
    }

    async fn bad_corrections_are_refused_by_field(app) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let id = str_of(&enrol(&app, &admin, "ana@example.test").await, "id");
        let other = str_of(&enrol(&app, &admin, "berta@example.test").await, "id");

        for (body, field) in [
            (json!({"email": "not-an-email"}), "email"),
            (json!({"email": null}), "email"),
            (json!({"given_name": ""}), "given_name"),
            (json!({"given_name": null}), "given_name"),
            (json!({"phone": "call me"}), "phone"),
            (json!({"family_name": "x".repeat(101)}), "family_name"),
            (json!({"sms_consent": {"granted": true, "text_version": "1"}}), "sms_consent.text_version"),
            (json!({"timezone": "Europe/Madrid"}), "timezone"),
        ] {
            let p = problem(patch(&app, &admin, &id, &body).await, 422).await;
            assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
        }
        // Another patient's email (any case) is a conflict; nothing changed.
        let p = problem(patch(&app, &admin, &other, &json!({"email": "ANA@example.test"})).await, 409).await;
        assert!(p["detail"].as_str().unwrap_or_default().contains("email"), "{p}");
        // Another staff member's too.
        problem(patch(&app, &admin, &other, &json!({"email": admin_user.email})).await, 409).await;
        let rec: Value = app.get(&format!("/v1/clinic/patients/{other}"), Some(&admin)).await.json().await.unwrap();
        assert_eq!(rec["email"], "berta@example.test");

        // Another clinic's patient, or an unknown id, is 404.
        let (_, stranger) = app.staff("clinic_admin").await;
        problem(patch(&app, &stranger, &id, &json!({"phone": "+34600000000"})).await, 404).await;
        problem(patch(&app, &admin, "no-such-id", &json!({"phone": "+34600000000"})).await, 404).await;
        // Patients cannot use the clinic's route.
        let (_, patient) = app.patient_in(&admin_user.clinic_id, "Europe/Madrid").await;
        let r = patch(&app, &patient, &id, &json!({"phone": "+34600000000"})).await;
        assert_eq!(r.status(), 403);
    }

    async fn an_erased_patient_cannot_be_corrected(app) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin_user.clinic_id, "Europe/Madrid").await;
        let r = app.request(reqwest::Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let p = problem(patch(&app, &admin, patient.id.as_str(), &json!({"given_name": "Ana"})).await, 409).await;
        assert!(p["detail"].as_str().unwrap_or_default().contains("erased"), "{p}");
    }
}

async fn resend_staff(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/v1/clinic/staff/{id}/invitation"),
        Some(token),
    )
    .send()
    .await
    .unwrap()
}

both_backends_with_smtp! {
    async fn with_smtp_emailed_means_the_server_accepted_it(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let body = enrol(&app, &admin, "lucia@example.test").await;
        let code = checked_invitation(&app, &body, true);
        let (_, mailed) = nth_code(&smtp, "lucia@example.test", 1).await;
        assert_eq!(code, mailed, "the code returned is the code emailed");
        let id = str_of(&body, "id");

        let r = resend(&app, &admin, &id).await;
        assert_eq!(r.status(), 202);
        let second = checked_invitation(&app, &r.json::<Value>().await.unwrap(), true);
        let (_, mailed) = nth_code(&smtp, "lucia@example.test", 2).await;
        assert_eq!(second, mailed);

        // A corrected email goes to the new address, in the patient's language.
        let r = patch(&app, &admin, &id, &json!({"email": "lucia.g@example.test"})).await;
        assert_eq!(r.status(), 200);
        let third = checked_invitation(&app, &r.json::<Value>().await.unwrap(), true);
        let (mail, mailed) = nth_code(&smtp, "lucia.g@example.test", 1).await;
        assert_eq!(third, mailed);
        assert!(mail.body_text().contains("Hola"));

        // The server refusing it keeps the correction and the code (emailed: false).
        smtp.refuse_recipients(421, "service not available");
        let r = patch(&app, &admin, &id, &json!({"email": "lucia.h@example.test"})).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["email"], "lucia.h@example.test");
        let kept = checked_invitation(&app, &p, false);
        smtp.accept_recipients();
        tokens(accept(&app, &kept, GOOD).await).await;

        // A real SMTP failure on enrolment is still 503, and nothing is enrolled.
        smtp.refuse_recipients(421, "service not available");
        let r = app.post_json("/v1/clinic/patients", Some(&admin),
            &json!({"email": "maya@example.test", "given_name": "Maya", "timezone": "Europe/Madrid", "locale": "en"})).await;
        problem(r, 503).await;
        smtp.accept_recipients();
        enrol(&app, &admin, "maya@example.test").await;
    }
}
