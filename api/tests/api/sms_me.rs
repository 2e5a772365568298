//! Texts in the patient's profile and the clinic's record: the phone in E.164, the patient's
//! switch for texts, and consent given or withdrawn by the patient or recorded by the clinic.

use reqwest::{Method, Response};
use serde_json::{Value, json};
use shared::domain::CONSENT_TEXT_VERSION;

use crate::both_backends;
use crate::helpers::{TestApp, problem};

async fn patch_me(app: &TestApp, token: &str, body: Value) -> Response {
    app.request(Method::PATCH, "/v1/me", Some(token))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn patch_patient(app: &TestApp, token: &str, id: &str, body: Value) -> Response {
    app.request(
        Method::PATCH,
        &format!("/v1/clinic/patients/{id}"),
        Some(token),
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

async fn audit_actions(app: &TestApp, token: &str, patient: &str) -> Vec<String> {
    let page: Value = app
        .get(
            &format!("/v1/clinic/audit?patient_id={patient}&limit=200"),
            Some(token),
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn the_patient_sets_a_phone_and_turns_texts_on_and_off(app) {
        let (staff, _) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let me: Value = app.get("/v1/me", Some(&token)).await.json().await.unwrap();
        assert_eq!(me["channels"]["sms"], true);
        assert!(me["sms_consent"].is_null(), "never asked: {me}");

        // Consent needs a number to text.
        let p = problem(patch_me(&app, &token, json!({"sms_consent": true})).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "sms_consent", "{p}");
        // A number without its country code, or not a number, is refused.
        for bad in ["600 111 222", "+34 123", "call me"] {
            let p = problem(patch_me(&app, &token, json!({"phone": bad})).await, 422).await;
            assert_eq!(p["errors"][0]["field"], "phone", "{bad}: {p}");
        }

        let r = patch_me(&app, &token, json!({"phone": "0034 600-111-222", "sms_consent": true})).await;
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["phone"], "+34600111222");
        let consent = &me["sms_consent"];
        assert_eq!(consent["granted"], true);
        assert_eq!(consent["source"], "patient");
        assert_eq!(consent["text_version"], CONSENT_TEXT_VERSION);
        assert!(consent["granted_at"].as_str().unwrap().ends_with('Z'));

        let r = patch_me(&app, &token, json!({"channels": {"sms": false}, "sms_consent": false})).await;
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["channels"], json!({"push": true, "email": true, "sms": false}));
        assert_eq!(me["sms_consent"]["granted"], false);
        assert!(me["sms_consent"]["granted_at"].is_null());

        let admin = app.token_for(&staff);
        let actions = audit_actions(&app, &admin, patient.id.as_str()).await;
        for a in ["patient.phone_update", "sms_consent.grant", "sms_consent.withdraw"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        // A consent that is not true or false is refused.
        problem(patch_me(&app, &token, json!({"sms_consent": "yes"})).await, 422).await;
    }

    async fn the_clinic_records_consent_at_enrolment_and_later(app) {
        let (_, token) = app.staff("clinician").await;
        // The wording's version must be the current one, and a grant needs a phone.
        let body = |phone: Option<&str>, version: &str| json!({
            "email": "lucia@example.test", "given_name": "Lucía", "phone": phone,
            "timezone": "Europe/Madrid", "locale": "es",
            "sms_consent": {"granted": true, "text_version": version}});
        let p = problem(app.post_json("/v1/clinic/patients", Some(&token), &body(Some("+34 600 111 222"), "sms-1999")).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "sms_consent.text_version", "{p}");
        let p = problem(app.post_json("/v1/clinic/patients", Some(&token), &body(None, CONSENT_TEXT_VERSION)).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "sms_consent", "{p}");

        let r = app.post_json("/v1/clinic/patients", Some(&token), &body(Some("+34 600 111 222"), CONSENT_TEXT_VERSION)).await;
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["invitation"]["texted"], false);
        let id = created["id"].as_str().unwrap().to_owned();
        let rec: Value = app.get(&format!("/v1/clinic/patients/{id}"), Some(&token)).await.json().await.unwrap();
        assert_eq!(rec["phone"], "+34600111222");
        assert_eq!(rec["sms_consent"]["granted"], true);
        assert_eq!(rec["sms_consent"]["source"], "clinic");
        assert_eq!(rec["channels"]["sms"], true);
        assert_eq!(rec["texts"], json!([]));

        // Withdrawn with the patient present; then the phone removed, and a grant refused.
        let withdraw = json!({"sms_consent": {"granted": false, "text_version": CONSENT_TEXT_VERSION}});
        let r = patch_patient(&app, &token, &id, withdraw).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["sms_consent"]["granted"], false);
        assert_eq!(p["changed"], json!(["sms_consent"]));
        let r = patch_patient(&app, &token, &id, json!({"phone": null})).await;
        assert_eq!(r.status(), 200);
        let grant = json!({"sms_consent": {"granted": true, "text_version": CONSENT_TEXT_VERSION}});
        let p = problem(patch_patient(&app, &token, &id, grant.clone()).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "sms_consent", "{p}");
        let p = problem(patch_patient(&app, &token, &id,
            json!({"phone": "+34600111222", "sms_consent": {"granted": true, "text_version": "old"}})).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "sms_consent.text_version", "{p}");
        let p = problem(patch_patient(&app, &token, &id,
            json!({"sms_consent": {"granted": true}})).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "text_version", "{p}");
        // Phone and consent in one request.
        let r = patch_patient(&app, &token, &id,
            json!({"phone": "+34 600 111 222", "sms_consent": {"granted": true, "text_version": CONSENT_TEXT_VERSION}})).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["changed"], json!(["phone", "sms_consent"]));
        assert_eq!(p["sms_consent"]["granted"], true);
    }
}
