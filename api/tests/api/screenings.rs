//! Pre-visit screenings over HTTP (`POST /v1/me/screenings`): validated, only for a booked
//! session from 72 hours before it until it starts, flagged when anything is reported, audited,
//! and shown to the clinic in the patient record (and to the patient in their export), newest
//! first.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{put_session, record, setup, treatment_body};

async fn screen(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post_json("/v1/me/screenings", Some(token), body).await
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// A clinician, their patient (treated, session booked `hours` from now) and both tokens.
async fn booked_in(app: &TestApp, hours: i64) -> (String, String, String) {
    let (staff, patient, token) = setup(app).await;
    record(app, &staff, &patient, &treatment_body(1)).await;
    let r = put_session(app, &staff, &patient, Utc::now() + Duration::hours(hours)).await;
    assert_eq!(r.status(), 200);
    (staff, patient, token)
}

both_backends! {
    async fn answers_are_checked_and_named(app) {
        let (staff, _, token) = booked_in(&app, 20).await;
        let p = problem(screen(&app, &token, &json!({})).await, 422).await;
        assert_eq!(fields(&p), ["contraindications"], "{p}");
        let bad = json!({"contraindications": ["sunburn", "itchy", 3], "notes": "x".repeat(1001)});
        let p = problem(screen(&app, &token, &bad).await, 422).await;
        assert_eq!(fields(&p), ["contraindications[1]", "contraindications[2]", "notes"], "{p}");
        // What the patient typed is not echoed back (it may be health text).
        assert!(!p.to_string().contains("itchy"), "{p}");
        let p = problem(screen(&app, &token, &json!({"contraindications": "sunburn"})).await, 422).await;
        assert_eq!(fields(&p), ["contraindications"], "{p}");
        let p = problem(screen(&app, &token, &json!({"contraindications": [], "notes": 5})).await, 422).await;
        assert_eq!(fields(&p), ["notes"], "{p}");
        let r = screen(&app, &token, &json!({"contraindications": [], "extra": true})).await;
        problem(r, 422).await;
        let r = screen(&app, &token, &json!({"contraindications": [], "notes": "a\u{0}b"})).await;
        problem(r, 422).await;
        // Staff are not patients.
        problem(screen(&app, &staff, &json!({"contraindications": []})).await, 403).await;
        problem(app.post_json("/v1/me/screenings", None, &json!({"contraindications": []})).await, 401).await;
    }

    async fn only_a_booked_session_in_its_window_is_screened(app) {
        // No session booked.
        let (staff, patient, token) = setup(&app).await;
        let p = problem(screen(&app, &token, &json!({"contraindications": []})).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("no session is booked"), "{p}");
        // Booked in four days: not open yet.
        record(&app, &staff, &patient, &treatment_body(1)).await;
        put_session(&app, &staff, &patient, Utc::now() + Duration::days(4)).await;
        let p = problem(screen(&app, &token, &json!({"contraindications": []})).await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("72 hours"), "{p}");
        // Moved to within 72 hours: open.
        put_session(&app, &staff, &patient, Utc::now() + Duration::hours(71)).await;
        let r = screen(&app, &token, &json!({"contraindications": []})).await;
        assert_eq!(r.status(), 201);
    }

    async fn a_reported_code_flags_the_booking_and_the_latest_answer_counts(app) {
        let (staff, patient, token) = booked_in(&app, 26).await;
        let r = screen(&app, &token, &json!({"contraindications": ["cold_sores", "sunburn", "cold_sores"], "notes": "  Small sore on my lip since Monday  "})).await;
        assert_eq!(r.status(), 201);
        let first: Value = r.json().await.unwrap();
        assert_eq!(first["flagged"], true);
        let record: Value = app.get(&format!("/v1/clinic/patients/{patient}"), Some(&staff)).await.json().await.unwrap();
        assert_eq!(first["booking_id"], record["next_session"]["id"]);
        assert!(first["created_at"].as_str().unwrap().ends_with('Z'), "{first}");
        let rows = record["screenings"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["contraindications"], json!(["cold_sores", "sunburn"]));
        assert_eq!(rows[0]["notes"], "Small sore on my lip since Monday");
        assert_eq!(rows[0]["flagged"], true);
        assert_eq!(rows[0]["id"], first["id"]);

        // A newer answer: nothing applies any more. Both are kept, newest first.
        let second: Value = screen(&app, &token, &json!({"contraindications": [], "notes": ""})).await.json().await.unwrap();
        assert_eq!(second["flagged"], false);
        let record: Value = app.get(&format!("/v1/clinic/patients/{patient}"), Some(&staff)).await.json().await.unwrap();
        let rows = record["screenings"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["id"], second["id"]);
        assert_eq!(rows[0]["notes"], Value::Null);
        assert_eq!(rows[1]["id"], first["id"]);

        // The patient's own copy of their data holds them too.
        let export: Value = app.get("/v1/me/export", Some(&token)).await.json().await.unwrap();
        assert_eq!(export["screenings"][0]["id"], second["id"], "{export}");
        assert_eq!(export["screenings"][1]["contraindications"], json!(["cold_sores", "sunburn"]));

        // Audited with the patient as actor.
        let clinic: Value = app.get("/v1/clinic", Some(&staff)).await.json().await.unwrap();
        let clinic_id = shared::domain::ClinicId::from(clinic["id"].as_str().unwrap());
        let (_, admin) = app.staff_in(&clinic_id, "clinic_admin").await;
        let audit: Value = app.get(&format!("/v1/clinic/audit?patient_id={patient}"), Some(&admin)).await.json().await.unwrap();
        let created: Vec<&Value> = audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "screening.create").collect();
        assert_eq!(created.len(), 2, "{audit}");
        assert_eq!(created[0]["actor_id"].as_str(), Some(patient.as_str()), "{audit}");

        // Another clinic never sees them.
        let (_, other) = app.staff("clinician").await;
        problem(app.get(&format!("/v1/clinic/patients/{patient}"), Some(&other)).await, 404).await;
    }

    async fn twenty_answers_per_booked_time_and_the_record_shows_ten(app) {
        let (staff, patient, token) = booked_in(&app, 26).await;
        let mut ids = Vec::new();
        for _ in 0..20 {
            let r = screen(&app, &token, &json!({"contraindications": []})).await;
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            ids.push(v["id"].clone());
        }
        let p = problem(screen(&app, &token, &json!({"contraindications": ["sunburn"]})).await, 409).await;
        assert_eq!(p["detail"], "you have already answered 20 times; call your clinic", "{p}");
        let record: Value = app.get(&format!("/v1/clinic/patients/{patient}"), Some(&staff)).await.json().await.unwrap();
        let rows = record["screenings"].as_array().unwrap();
        assert_eq!(rows.len(), 10, "the latest 10");
        assert!(rows.iter().all(|r| r["flagged"] == false), "the refused answer was not kept");
        let shown: Vec<&Value> = rows.iter().map(|r| &r["id"]).collect();
        let newest: Vec<&Value> = ids.iter().rev().take(10).collect();
        assert_eq!(shown, newest, "newest first");
        // The patient's own copy holds every answer.
        let export: Value = app.get("/v1/me/export", Some(&token)).await.json().await.unwrap();
        assert_eq!(export["screenings"].as_array().unwrap().len(), 20);

        // A moved session is asked about again; the earlier answers stay in the record.
        put_session(&app, &staff, &patient, Utc::now() + Duration::hours(30)).await;
        let r = screen(&app, &token, &json!({"contraindications": ["sunburn"]})).await;
        assert_eq!(r.status(), 201);
        let record: Value = app.get(&format!("/v1/clinic/patients/{patient}"), Some(&staff)).await.json().await.unwrap();
        assert_eq!(record["screenings"][0]["flagged"], true);
        assert_eq!(record["screenings"][1]["id"], ids[19]);
    }
}
