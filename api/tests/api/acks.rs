//! `POST /v1/me/prompts/{id}/ack`: recorded once with its time, shown on the timeline, moving
//! its ETag exactly when it changes something; scoped to the patient's own prompts.

use reqwest::Method;
use serde_json::Value;

use shared::domain::PromptStatus;

use crate::both_backends;
use crate::console_support::signed_in;
use crate::helpers::{TestApp, problem};
use crate::treatments::{record, rows, setup, treatment_body};

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

    async fn a_prompt_acknowledged_before_it_was_sent_is_not_sent_and_reads_the_same_everywhere(app) {
        let (mut console, staff) = signed_in(&app, "clinician").await;
        let staff_token = app.token_for(&staff);
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let patient_id = patient.id.to_string();
        record(&app, &staff_token, &patient_id, &treatment_body(1)).await;
        let (_, tl) = timeline(&app, &token).await;
        let ahead = tl["prompts"].as_array().unwrap().iter().rev()
            .find(|p| p["status"] == "scheduled").unwrap().clone();
        let id = ahead["id"].as_str().unwrap().to_owned();

        assert_eq!(ack(&app, Some(&token), &id).await.status(), 204);

        // Seen in the app: out of the queue, never sent.
        let row = rows(&app, &patient_id).await.into_iter().find(|p| p.id.as_str() == id).unwrap();
        assert_eq!((row.status, row.sent_at), (PromptStatus::Acknowledged, None));
        // The app, the clinic's API and the console say the same.
        let (_, tl) = timeline(&app, &token).await;
        let p = tl["prompts"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
        assert_eq!(p["status"], "acknowledged");
        let r = app.get(&format!("/v1/clinic/patients/{patient_id}"), Some(&staff_token)).await;
        assert_eq!(r.status(), 200);
        let record: Value = r.json().await.unwrap();
        let p = record["prompts"].as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap().clone();
        assert_eq!((p["status"].as_str(), &p["sent_at"]), (Some("acknowledged"), &Value::Null));
        let (status, html) = console.page(&format!("/console/patients/{patient_id}")).await;
        assert_eq!(status, 200);
        let title = ahead["title"].as_str().unwrap();
        let at = html.find(title).unwrap_or_else(|| panic!("{title} not on the record"));
        let row_end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
        assert!(html[at..row_end].contains("Acknowledged by the patient"), "{}", &html[at..row_end]);
    }
}
