//! `POST /v1/me/prompts/{id}/ack`: recorded once with its time, shown on the timeline, moving
//! its ETag exactly when it changes something; scoped to the patient's own prompts.

use reqwest::Method;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{record, setup, treatment_body};

async fn timeline(app: &TestApp, token: &str) -> (String, Value) {
    let r = app.get("/v1/me/timeline", Some(token)).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.json().await.unwrap())
}

async fn ack(app: &TestApp, token: Option<&str>, id: &str) -> reqwest::Response {
    app.request(Method::POST, &format!("/v1/me/prompts/{id}/ack"), token)
        .send()
        .await
        .unwrap()
}

both_backends! {
    async fn an_ack_is_recorded_once_and_shown(app) {
        let (staff, patient, token) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let (etag0, tl) = timeline(&app, &token).await;
        let id = tl["prompts"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(tl["prompts"][0]["acknowledged_at"], Value::Null);

        assert_eq!(ack(&app, Some(&token), &id).await.status(), 204);
        let (etag1, tl) = timeline(&app, &token).await;
        assert_ne!(etag0, etag1, "an ack changes what the app shows");
        let p = tl["prompts"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
        assert_eq!(p["status"], "acknowledged");
        let first = p["acknowledged_at"].as_str().unwrap().to_owned();

        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(ack(&app, Some(&token), &id).await.status(), 204);
        let (etag2, tl) = timeline(&app, &token).await;
        assert_eq!(etag1, etag2, "a repeated ack changes nothing");
        let p = tl["prompts"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
        assert_eq!(p["acknowledged_at"], first.as_str(), "the first time stands");
    }

    async fn acks_are_scoped_and_checked(app) {
        let (staff, patient, token) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let (_, tl) = timeline(&app, &token).await;
        let id = tl["prompts"][0]["id"].as_str().unwrap().to_owned();

        // Another patient, a clinician, nobody.
        let (other_staff, _) = app.staff("clinician").await;
        let (_, other_token) = app.patient_in(&other_staff.clinic_id, "Europe/Madrid").await;
        problem(ack(&app, Some(&other_token), &id).await, 404).await;
        problem(ack(&app, Some(&staff), &id).await, 403).await;
        problem(ack(&app, None, &id).await, 401).await;
        problem(ack(&app, Some(&token), "no-such-prompt").await, 404).await;

        // A discharge cancels the future prompts: acknowledging one is a conflict.
        let r = app.post_json(&format!("/v1/clinic/patients/{patient}/discharge"), Some(&staff), &Value::Null).await;
        assert_eq!(r.status(), 200);
        let (_, tl) = timeline(&app, &token).await;
        let cancelled = tl["prompts"].as_array().unwrap().iter()
            .find(|p| p["status"] == "cancelled").unwrap()["id"].as_str().unwrap().to_owned();
        let p = problem(ack(&app, Some(&token), &cancelled).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("cancelled"), "{p}");
    }
}
