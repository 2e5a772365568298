//! Recording treatments, booking and cancelling the next session, discharge: each re-plans
//! the patient's prompts, scoped to the caller's clinic and audited.

use chrono::{Duration, SecondsFormat, Utc};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::db::prompts::Prompt;
use shared::db::schema::{audit_log, patient_profiles, prompts};

use crate::both_backends;
use crate::helpers::{TestApp, problem};

pub fn rfc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn treatment_body(session: i64) -> Value {
    json!({
        "performed_at": rfc(Utc::now() - Duration::minutes(5)),
        "areas": ["face"],
        "needle_depth_mm": 1.0,
        "device": "pen",
        "session_number": session,
        "planned_sessions": 3,
        "interval_weeks": 4,
        "contraindications": [],
    })
}

/// A clinician, a patient of theirs (Europe/Madrid) and both tokens.
pub async fn setup(app: &TestApp) -> (String, String, String) {
    let (staff, staff_token) = app.staff("clinician").await;
    let (patient, patient_token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
    (staff_token, patient.id.into_string(), patient_token)
}

pub async fn record(app: &TestApp, token: &str, patient: &str, body: &Value) -> Value {
    let r = app
        .post_json(
            &format!("/v1/clinic/patients/{patient}/treatments"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

pub async fn rows(app: &TestApp, patient: &str) -> Vec<Prompt> {
    let patient = patient.to_owned();
    app.db
        .run(move |c| {
            Ok(prompts::table
                .filter(prompts::patient_id.eq(patient))
                .order(prompts::due_at.asc())
                .select(Prompt::as_select())
                .load(c)?)
        })
        .await
        .unwrap()
}

fn keys_with_status<'a>(rows: &'a [Prompt], status: &str) -> Vec<&'a str> {
    rows.iter()
        .filter(|p| p.status.as_str() == status)
        .map(|p| p.prompt_key.as_str())
        .collect()
}

fn assert_unique_keys(rows: &[Prompt]) {
    let mut keys: Vec<_> = rows.iter().map(|p| &p.idempotency_key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), rows.len());
}

pub async fn put_session(
    app: &TestApp,
    token: &str,
    patient: &str,
    at: chrono::DateTime<Utc>,
) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/v1/clinic/patients/{patient}/next-session"),
        Some(token),
    )
    .json(&json!({ "starts_at": rfc(at) }))
    .send()
    .await
    .unwrap()
}

both_backends! {
    async fn recording_a_treatment_plans_the_aftercare(app) {
        let (staff, patient, _) = setup(&app).await;
        let body = record(&app, &staff, &patient, &treatment_body(1)).await;
        let prompts = body["prompts"].as_array().unwrap();
        let keys: Vec<&str> = prompts.iter().map(|p| p["key"].as_str().unwrap()).collect();
        for k in ["day1_settling", "day5_check_in", "day7_warning_signs", "rebook", "day0_makeup"] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
        let check_in = prompts.iter().find(|p| p["key"] == "day5_check_in").unwrap();
        assert_eq!(check_in["kind"], "check_in");
        assert_eq!(check_in["day"], 5);
        assert_eq!(check_in["local_time"], "09:00");
        assert_eq!(check_in["status"], "scheduled");
        assert!(check_in["send_at"].as_str().unwrap().ends_with('Z'));
        assert!(check_in["title"].as_str().unwrap().contains("skin"));
        let stored = rows(&app, &patient).await;
        assert_eq!(stored.len(), prompts.len());
        assert!(stored.iter().all(|p| p.locale.as_str() == "en" && p.timezone.name() == "Europe/Madrid"));
        // Audited, in the caller's clinic, without content.
        let p = patient.clone();
        let actions: Vec<String> = app.db.run(move |c| Ok(audit_log::table
            .filter(audit_log::patient_id.eq(p)).select(audit_log::action).load(c)?)).await.unwrap();
        assert_eq!(actions, ["treatment.create"]);
    }

    async fn spanish_patients_get_spanish_plans(app) {
        let (staff, patient, patient_token) = setup(&app).await;
        let r = app.request(Method::PATCH, "/v1/me", Some(&patient_token))
            .json(&json!({"locale": "es"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = record(&app, &staff, &patient, &treatment_body(1)).await;
        let check_in = body["prompts"].as_array().unwrap().iter()
            .find(|p| p["key"] == "day5_check_in").unwrap().clone();
        assert_eq!(check_in["title"], "¿Cómo está tu piel hoy?");
        assert!(rows(&app, &patient).await.iter().all(|p| p.locale.as_str() == "es"));
    }

    async fn treatment_input_is_validated(app) {
        let (staff, patient, _) = setup(&app).await;
        let path = format!("/v1/clinic/patients/{patient}/treatments");
        let cases: Vec<(&str, Value)> = vec![
            ("areas", json!([])),
            ("areas", json!(["elbow"])),
            ("needle_depth_mm", json!(3.0)),
            ("device", json!("laser")),
            ("combined_with", json!(["botox"])),
            ("session_number", json!(4)),
            ("session_number", json!(0)),
            ("planned_sessions", json!(7)),
            ("interval_weeks", json!(2)),
            ("contraindications", json!(["unknown_code"])),
            ("override_reason", json!(null)),
            ("performed_at", json!("yesterday")),
            ("performed_at", json!(rfc(Utc::now() + Duration::hours(2)))),
        ];
        for (field, value) in cases {
            let mut body = treatment_body(1);
            if field == "override_reason" {
                body["contraindications"] = json!(["pregnancy"]);
            }
            body[field] = value.clone();
            let p = problem(app.post_json(&path, Some(&staff), &body).await, 422).await;
            let fields: Vec<&str> = p["errors"].as_array().unwrap().iter()
                .map(|e| e["field"].as_str().unwrap()).collect();
            assert!(fields.contains(&field), "{field}={value}: {p}");
        }
        // A missing field is named too.
        let mut body = treatment_body(1);
        body.as_object_mut().unwrap().remove("contraindications");
        let p = problem(app.post_json(&path, Some(&staff), &body).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "contraindications");
        // With an override reason, contraindications are accepted.
        let mut body = treatment_body(1);
        body["contraindications"] = json!(["rosacea"]);
        body["override_reason"] = json!("mild, stable; discussed with patient");
        assert_eq!(app.post_json(&path, Some(&staff), &body).await.status(), 201);
        assert!(rows(&app, &patient).await.len() > 5);
    }

    async fn only_the_patients_clinic_may_record_or_book(app) {
        let (_, patient, patient_token) = setup(&app).await;
        let (_, other_clinic) = app.staff("clinic_admin").await;
        let path = format!("/v1/clinic/patients/{patient}/treatments");
        problem(app.post_json(&path, Some(&other_clinic), &treatment_body(1)).await, 404).await;
        problem(app.post_json(&path, Some(&patient_token), &treatment_body(1)).await, 403).await;
        problem(app.post_json(&path, None, &treatment_body(1)).await, 401).await;
        let r = put_session(&app, &other_clinic, &patient, Utc::now() + Duration::days(20)).await;
        problem(r, 404).await;
        let r = app.request(Method::DELETE, &format!("/v1/clinic/patients/{patient}/next-session"), Some(&other_clinic)).send().await.unwrap();
        problem(r, 404).await;
        problem(app.post_json(&format!("/v1/clinic/patients/{patient}/discharge"), Some(&other_clinic), &json!({})).await, 404).await;
        problem(app.post_json("/v1/clinic/patients/nobody/treatments", Some(&other_clinic), &treatment_body(1)).await, 404).await;
        assert!(rows(&app, &patient).await.is_empty());
    }

    async fn a_new_session_supersedes_the_previous_plan(app) {
        let (staff, patient, _) = setup(&app).await;
        let first = record(&app, &staff, &patient, &treatment_body(1)).await;
        let mut second = treatment_body(2);
        second["performed_at"] = json!(rfc(Utc::now() - Duration::minutes(1)));
        let second = record(&app, &staff, &patient, &second).await;
        let stored = rows(&app, &patient).await;
        assert_unique_keys(&stored);
        let first_id = first["id"].as_str().unwrap();
        let second_id = second["id"].as_str().unwrap();
        for p in &stored {
            let from_first = p.treatment_id.as_ref().map(|t| t.as_str()) == Some(first_id);
            // The first plan's future prompts are cancelled; due ones are left to go out.
            if from_first && p.due_at > shared::time::now() {
                assert_eq!(p.status.as_str(), "cancelled", "{}", p.prompt_key);
            }
            if p.treatment_id.as_ref().map(|t| t.as_str()) == Some(second_id) {
                assert_eq!(p.status.as_str(), "scheduled");
            }
        }
        let rebook = stored.iter().find(|p| p.prompt_key == "rebook" && p.treatment_id.as_ref().map(|t| t.as_str()) == Some(second_id)).unwrap();
        assert!(rebook.body.contains("2 of 3"), "{}", rebook.body);
    }

    async fn booking_moving_and_cancelling_the_next_session(app) {
        let (staff, patient, _) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let at = Utc::now() + Duration::days(21);
        let r = put_session(&app, &staff, &patient, at).await;
        assert_eq!(r.status(), 200);
        let booked: Value = r.json().await.unwrap();
        let reminders: Vec<&str> = booked["reminders"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
        assert_eq!(reminders, ["session_reminder_7d", "session_reminder_1d"]);
        assert_eq!(booked["reminders"][0]["kind"], "session_reminder");
        let stored = rows(&app, &patient).await;
        assert_eq!(keys_with_status(&stored, "cancelled"), ["rebook"]);
        // The same time again changes nothing.
        let again: Value = put_session(&app, &staff, &patient, at).await.json().await.unwrap();
        assert_eq!(again["id"], booked["id"]);
        assert_eq!(rows(&app, &patient).await.len(), stored.len());
        // Moving it keeps the booking (the patient's calendar event is updated, not doubled) and
        // replaces the reminders.
        let moved: Value = put_session(&app, &staff, &patient, at + Duration::days(3)).await.json().await.unwrap();
        assert_eq!(moved["id"], booked["id"]);
        assert_eq!(moved["reminders"].as_array().unwrap().len(), 2, "{moved}");
        let stored = rows(&app, &patient).await;
        assert_unique_keys(&stored);
        let live: Vec<_> = stored.iter().filter(|p| p.kind.as_str() == "session_reminder" && p.status.as_str() == "scheduled").collect();
        assert_eq!(live.len(), 2);
        assert!(live.iter().all(|p| p.booking_id.as_ref().map(|b| b.as_str()) == moved["id"].as_str()));
        assert!(live.iter().all(|p| p.due_at > (at + Duration::days(3) - Duration::days(8)).naive_utc()));
        // A reminder already sent for the old time does not stand in for the new time's.
        let day_before = live.iter().find(|p| p.prompt_key == "session_reminder_1d").unwrap().id.clone();
        app.db
            .run(move |c| {
                diesel::update(prompts::table.find(day_before.as_str()))
                    .set((prompts::status.eq("sent"), prompts::sent_at.eq(Some(Utc::now().naive_utc()))))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let again: Value = put_session(&app, &staff, &patient, at + Duration::days(10)).await.json().await.unwrap();
        assert_eq!(again["id"], booked["id"]);
        let keys: Vec<&str> = again["reminders"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
        // 31 days away: the month-before preparation prompt is planned too.
        assert_eq!(keys, ["session_prepare_30d", "session_reminder_7d", "session_reminder_1d"], "{again}");
        let stored = rows(&app, &patient).await;
        assert_unique_keys(&stored);
        assert_eq!(keys_with_status(&stored, "sent"), ["session_reminder_1d"]);
        // Cancelling it cancels its reminders and brings the rebook nudge back.
        let r = app.request(Method::DELETE, &format!("/v1/clinic/patients/{patient}/next-session"), Some(&staff)).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let stored = rows(&app, &patient).await;
        let reminders: Vec<_> = stored.iter().filter(|p| p.kind.as_str() == "session_reminder").collect();
        assert!(reminders.iter().all(|p| matches!(p.status.as_str(), "cancelled" | "sent")), "{reminders:?}");
        assert_eq!(reminders.iter().filter(|p| p.status.as_str() == "sent").count(), 1, "what was sent stays sent");
        let rebook = stored.iter().find(|p| p.prompt_key == "rebook").unwrap();
        assert_eq!((rebook.status.as_str(), rebook.cancelled_at), ("scheduled", None));
        assert_unique_keys(&stored);
        // Past or malformed times are refused.
        problem(put_session(&app, &staff, &patient, Utc::now() - Duration::hours(1)).await, 422).await;
    }

    async fn discharge_cancels_everything_pending(app) {
        let (staff, patient, _) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        put_session(&app, &staff, &patient, Utc::now() + Duration::days(21)).await;
        let path = format!("/v1/clinic/patients/{patient}/discharge");
        let r = app.post_json(&path, Some(&staff), &json!({})).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert!(body["cancelled_prompts"].as_u64().unwrap() > 5);
        let stored = rows(&app, &patient).await;
        assert!(stored.iter().all(|p| p.status.as_str() == "cancelled"), "nothing left to send");
        let p = patient.clone();
        let discharged: Option<chrono::NaiveDateTime> = app.db.run(move |c| Ok(patient_profiles::table
            .find(p).select(patient_profiles::discharged_at).first(c)?)).await.unwrap();
        assert!(discharged.is_some());
        // Idempotent; booking afterwards is a conflict.
        let again: Value = app.post_json(&path, Some(&staff), &json!({})).await.json().await.unwrap();
        assert_eq!((again["discharged_at"].clone(), again["cancelled_prompts"].clone()), (body["discharged_at"].clone(), json!(0)));
        problem(put_session(&app, &staff, &patient, Utc::now() + Duration::days(5)).await, 409).await;
    }
}

both_backends! {
    async fn replanning_twice_changes_nothing(app) {
        let (staff, patient, _) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let before = rows(&app, &patient).await;
        let p = shared::domain::PatientId::from(patient.as_str());
        let outcome = app.db.transaction(move |c| {
            let protocol = shared::care::Protocols::new(std::sync::Arc::new(
                shared::protocol::Protocol::builtin().unwrap(),
            ));
            shared::db::patients::lock_patient(c, &p, None)?;
            shared::care::plan::replan(c, &protocol, &p, shared::time::now())
        }).await.unwrap();
        assert!(!outcome.changed(), "{outcome:?}");
        let after = rows(&app, &patient).await;
        assert_eq!(before.len(), after.len());
        for (a, b) in before.iter().zip(&after) {
            assert_eq!((&a.id, a.updated_at, &a.status), (&b.id, b.updated_at, &b.status));
        }
    }
}

/// Demo mode gives the demo patient a recorded session, so the timeline has content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_patient_has_a_plan() {
    let app = TestApp::spawn_with(shared::db::Backend::Sqlite, &[("AFTERCARE_DEMO", "on")])
        .await
        .unwrap();
    let patient = app
        .db
        .run(|c| {
            use shared::db::schema::users;
            Ok(users::table
                .filter(users::email.eq(api::demo::PATIENT_EMAIL))
                .select(users::id)
                .first::<String>(c)?)
        })
        .await
        .unwrap();
    let stored = rows(&app, &patient).await;
    assert!(stored.len() > 5, "{}", stored.len());
    // Two days in: day 0 and day 1 are past and not planned.
    assert!(stored.iter().all(|p| p.day >= 2));
}

both_backends! {
    async fn openapi_describes_the_plan_routes(app) {
        let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        for (path, method) in [
            ("/v1/clinic/patients/{id}/treatments", "post"),
            ("/v1/clinic/patients/{id}/next-session", "put"),
            ("/v1/clinic/patients/{id}/next-session", "delete"),
            ("/v1/clinic/patients/{id}/discharge", "post"),
            ("/v1/me", "get"),
            ("/v1/me", "patch"),
            ("/v1/me/timeline", "get"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
    }
}
