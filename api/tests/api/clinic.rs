//! Clinic staff: the clinic, enrolment, the patient list with its computed columns, one
//! patient's record, and the audit trail every read leaves.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::db::schema::{check_ins, escalations, session_bookings, treatments};
use shared::time::now;

use crate::both_backends;
use crate::helpers::{TestApp, problem};

async fn enrol(app: &TestApp, token: &str, email: &str, given: &str) -> String {
    let r = app
        .post_json(
            "/v1/clinic/patients",
            Some(token),
            &json!({"email": email, "given_name": given, "family_name": "Prueba",
                    "phone": "+34 600 111 222", "timezone": "America/Bogota", "locale": "es"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "invited");
    body["id"].as_str().unwrap().to_owned()
}

async fn json_of(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// A treatment, a live and a cancelled booking, an open and a resolved escalation, a check-in
/// and four prompts (1 acknowledged, 2 sent, 1 scheduled) for `patient`.
async fn seed_history(app: &TestApp, clinic: &str, patient: &str, staff: &str) {
    let (clinic, patient, staff) = (clinic.to_owned(), patient.to_owned(), staff.to_owned());
    app.db
        .run(move |c| {
            let t = now();
            let treatment = shared::db::new_id();
            diesel::insert_into(treatments::table)
                .values((
                    treatments::id.eq(&treatment),
                    treatments::clinic_id.eq(&clinic),
                    treatments::patient_id.eq(&patient),
                    treatments::performed_at.eq(t - Duration::days(3)),
                    treatments::areas.eq(r#"["face"]"#),
                    treatments::needle_depth_mm.eq(0.5),
                    treatments::device.eq("pen"),
                    treatments::combined_with.eq("[]"),
                    treatments::session_number.eq(1),
                    treatments::planned_sessions.eq(3),
                    treatments::interval_weeks.eq(4),
                    treatments::contraindications.eq("[]"),
                    treatments::protocol_version.eq("test"),
                    treatments::recorded_by.eq(&staff),
                    treatments::created_at.eq(t),
                ))
                .execute(c)?;
            for (starts, cancelled) in [
                (t + Duration::days(20), None),
                (t + Duration::days(9), Some(t)),
            ] {
                diesel::insert_into(session_bookings::table)
                    .values((
                        session_bookings::id.eq(shared::db::new_id()),
                        session_bookings::clinic_id.eq(&clinic),
                        session_bookings::patient_id.eq(&patient),
                        session_bookings::starts_at.eq(starts),
                        session_bookings::created_by.eq(&staff),
                        session_bookings::created_at.eq(t),
                        session_bookings::cancelled_at.eq(cancelled),
                    ))
                    .execute(c)?;
            }
            let check_in = shared::db::new_id();
            diesel::insert_into(check_ins::table)
                .values((
                    check_ins::id.eq(&check_in),
                    check_ins::clinic_id.eq(&clinic),
                    check_ins::patient_id.eq(&patient),
                    check_ins::treatment_id.eq(Some(&treatment)),
                    check_ins::day.eq(Some(2)),
                    check_ins::redness.eq(8),
                    check_ins::swelling.eq(3),
                    check_ins::pain.eq(2),
                    check_ins::peeling.eq(false),
                    check_ins::symptoms.eq(r#"["pus"]"#),
                    check_ins::severity.eq("urgent"),
                    check_ins::escalated.eq(true),
                    check_ins::created_at.eq(t),
                ))
                .execute(c)?;
            for status in ["open", "resolved"] {
                diesel::insert_into(escalations::table)
                    .values((
                        escalations::id.eq(shared::db::new_id()),
                        escalations::clinic_id.eq(&clinic),
                        escalations::patient_id.eq(&patient),
                        escalations::check_in_id.eq(Some(&check_in)),
                        escalations::reason.eq("pus"),
                        escalations::severity.eq("urgent"),
                        escalations::status.eq(status),
                        escalations::created_at.eq(t),
                    ))
                    .execute(c)?;
            }
            let prompts: Vec<_> = ["acknowledged", "sent", "sent", "scheduled"]
                .iter()
                .enumerate()
                .map(|(day, status)| prompt(&clinic, &patient, &treatment, day as i32, status, t))
                .collect();
            shared::db::prompts::insert(c, &prompts)
        })
        .await
        .unwrap();
}

fn prompt(
    clinic: &str,
    patient: &str,
    treatment: &str,
    day: i32,
    status: &str,
    t: chrono::NaiveDateTime,
) -> shared::db::prompts::Prompt {
    let id = shared::domain::PromptId::new();
    shared::db::prompts::Prompt {
        idempotency_key: id.to_string(),
        id,
        clinic_id: clinic.into(),
        patient_id: patient.into(),
        treatment_id: Some(treatment.into()),
        booking_id: None,
        kind: shared::domain::PromptKind::Aftercare,
        prompt_key: format!("day{day}"),
        day,
        urgent: false,
        title: format!("Day {day}"),
        body: "Moisturise.".into(),
        locale: shared::domain::Locale::En,
        timezone: shared::domain::TimeZone(chrono_tz::Europe::Madrid),
        local_date: "2026-03-01".into(),
        local_time: "09:00".into(),
        due_at: t + Duration::days(i64::from(day)),
        available_at: t + Duration::days(i64::from(day)),
        status: shared::domain::PromptStatus::parse(status).unwrap(),
        attempts: 0,
        lease_owner: None,
        lease_expires_at: None,
        channel: None,
        last_error: None,
        sent_at: (status != "scheduled").then_some(t),
        acknowledged_at: (status == "acknowledged").then_some(t),
        cancelled_at: None,
        created_at: t,
        updated_at: t,
        important: false,
        ack_window_secs: None,
    }
}

both_backends! {
    async fn staff_see_their_clinic(app) {
        let (user, token) = app.staff("clinician").await;
        let body = json_of(app.get("/v1/clinic", Some(&token)).await).await;
        assert_eq!(body["id"], user.clinic_id.as_str());
        assert_eq!(body["name"], "Test Clinic");
        assert_eq!(body["timezone"], "Europe/Madrid");
        assert_eq!(body["contact_phone"], "+34 600 000 000");
    }

    async fn enrolment_sets_defaults_and_refuses_duplicates(app) {
        let (_, token) = app.staff("clinician").await;
        let id = enrol(&app, &token, "Paula@Example.test", "Paula").await;
        let r = app
            .post_json(
                "/v1/clinic/patients",
                Some(&token),
                &json!({"email": "paula@example.TEST", "given_name": "P", "timezone": "UTC", "locale": "en"}),
            )
            .await;
        problem(r, 409).await;

        let rec = json_of(app.get(&format!("/v1/clinic/patients/{id}"), Some(&token)).await).await;
        assert_eq!(rec["email"], "paula@example.test");
        assert_eq!(rec["status"], "invited");
        assert_eq!(rec["timezone"], "America/Bogota");
        assert_eq!(rec["locale"], "es");
        assert_eq!(rec["quiet_hours"], json!({"start": "21:00", "end": "08:00"}));
        assert_eq!(rec["channels"], json!({"push": true, "email": true, "sms": true}));
        assert_eq!(rec["lock_screen_preview"], "private");
        assert_eq!(rec["treatments"], json!([]));
        assert!(rec["next_session"].is_null());
    }

    async fn enrolment_reports_every_bad_field(app) {
        let (_, token) = app.staff("clinic_admin").await;
        let p = problem(
            app.post_json(
                "/v1/clinic/patients",
                Some(&token),
                &json!({"email": "nope", "given_name": " ", "phone": "call me",
                        "timezone": "Mars/Base", "locale": "fr"}),
            )
            .await,
            422,
        )
        .await;
        let mut fields: Vec<_> = p["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        fields.sort();
        assert_eq!(fields, ["email", "given_name", "locale", "phone", "timezone"]);
        let p = problem(
            app.post_json("/v1/clinic/patients", Some(&token), &json!({"email": "a@b.test"})).await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "given_name");
    }

    async fn only_admins_invite_staff_and_read_the_audit(app) {
        let (clinician, token) = app.staff("clinician").await;
        let body = json!({"email": "x@example.test", "name": "X", "role": "clinician"});
        problem(app.post_json("/v1/clinic/staff", Some(&token), &body).await, 403).await;
        problem(app.get("/v1/clinic/audit", Some(&token)).await, 403).await;
        let (_, admin) = app.staff_in(&clinician.clinic_id, "clinic_admin").await;
        let p = problem(
            app.post_json("/v1/clinic/staff", Some(&admin),
                &json!({"email": "x@example.test", "name": "X", "role": "patient"})).await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "role");
        let r = app
            .post_json("/v1/clinic/staff", Some(&admin),
                &json!({"email": clinician.email, "name": "Again", "role": "clinician"}))
            .await;
        problem(r, 409).await;
    }

    async fn list_and_record_show_the_course_from_every_table(app) {
        let (staff, token) = app.staff("clinician").await;
        let id = enrol(&app, &token, "marta@example.test", "Marta").await;
        seed_history(&app, staff.clinic_id.as_str(), &id, staff.id.as_str()).await;

        let page = json_of(app.get("/v1/clinic/patients", Some(&token)).await).await;
        assert!(page["next_cursor"].is_null());
        let item = &page["items"][0];
        assert_eq!(item["id"], id.as_str());
        assert_eq!(item["given_name"], "Marta");
        assert_eq!(item["family_name"], "Prueba");
        assert_eq!(item["status"], "invited");
        assert_eq!(item["open_escalations"], 1);
        let adherence = item["adherence"].as_f64().unwrap();
        assert!((adherence - 1.0 / 3.0).abs() < 1e-9, "{adherence}");
        assert!(item["last_treatment_at"].as_str().unwrap().ends_with('Z'));
        assert!(item["next_session_at"].is_string());

        let rec = json_of(app.get(&format!("/v1/clinic/patients/{id}"), Some(&token)).await).await;
        assert_eq!(rec["treatments"][0]["areas"], json!(["face"]));
        assert_eq!(rec["treatments"][0]["device"], "pen");
        let statuses: Vec<_> = rec["prompts"].as_array().unwrap().iter()
            .map(|p| p["status"].as_str().unwrap().to_owned()).collect();
        assert_eq!(statuses, ["acknowledged", "sent", "sent", "scheduled"]);
        assert!(rec["prompts"][0]["acknowledged_at"].is_string());
        assert!(rec["prompts"][1]["acknowledged_at"].is_null());
        assert_eq!(rec["check_ins"][0]["symptoms"], json!(["pus"]));
        assert_eq!(rec["escalations"].as_array().unwrap().len(), 2);
        assert_eq!(rec["next_session"]["starts_at"], item["next_session_at"]);

        // A patient with nothing delivered yet has no adherence figure.
        enrol(&app, &token, "nadie@example.test", "Nadie").await;
        let page = json_of(app.get("/v1/clinic/patients?q=nadie", Some(&token)).await).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert!(page["items"][0]["adherence"].is_null());
        assert_eq!(page["items"][0]["open_escalations"], 0);
    }

    async fn list_filters_and_pages_with_an_opaque_cursor(app) {
        let (_, token) = app.staff("clinician").await;
        let mut ids = Vec::new();
        for (i, name) in ["Ana", "Bea", "Carla"].iter().enumerate() {
            ids.push(enrol(&app, &token, &format!("p{i}@example.test"), name).await);
        }
        let first = json_of(app.get("/v1/clinic/patients?limit=2", Some(&token)).await).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let second = json_of(
            app.get(&format!("/v1/clinic/patients?limit=2&cursor={cursor}"), Some(&token)).await,
        )
        .await;
        assert!(second["next_cursor"].is_null());
        let mut seen: Vec<String> = first["items"].as_array().unwrap().iter()
            .chain(second["items"].as_array().unwrap())
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        seen.sort();
        ids.sort();
        assert_eq!(seen, ids);

        // q matches names and email, case-insensitively; LIKE wildcards are literal.
        let found = json_of(app.get("/v1/clinic/patients?q=CARL", Some(&token)).await).await;
        assert_eq!(found["items"][0]["given_name"], "Carla");
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let none = json_of(app.get("/v1/clinic/patients?q=%25", Some(&token)).await).await;
        assert_eq!(none["items"], json!([]));
        let invited = json_of(app.get("/v1/clinic/patients?status=invited", Some(&token)).await).await;
        assert_eq!(invited["items"].as_array().unwrap().len(), 3);
        let active = json_of(app.get("/v1/clinic/patients?status=active", Some(&token)).await).await;
        assert_eq!(active["items"], json!([]));

        for bad in ["status=gone", "limit=0", "limit=201", "limit=x", "cursor=%21%21"] {
            let p = problem(app.get(&format!("/v1/clinic/patients?{bad}"), Some(&token)).await, 422).await;
            assert!(p["errors"].is_array(), "{bad}");
        }
    }

    async fn every_staff_read_and_change_is_audited(app) {
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (clinician, token) = app.staff_in(&admin.clinic_id, "clinician").await;
        let id = enrol(&app, &token, "audit@example.test", "Aud").await;
        app.get(&format!("/v1/clinic/patients/{id}"), Some(&token)).await;
        app.get("/v1/clinic/patients", Some(&admin_token)).await;

        let page = json_of(
            app.get(&format!("/v1/clinic/audit?patient_id={id}"), Some(&admin_token)).await,
        )
        .await;
        let entries: Vec<(String, String)> = page["items"].as_array().unwrap().iter()
            .map(|e| {
                assert_eq!(e["patient_id"], id.as_str());
                assert!(e["at"].is_string());
                (e["action"].as_str().unwrap().to_owned(), e["actor_id"].as_str().unwrap().to_owned())
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("patient.list".to_owned(), admin.id.to_string()),
                ("patient.read".to_owned(), clinician.id.to_string()),
                ("patient.enrol".to_owned(), clinician.id.to_string()),
            ]
        );
        let first = json_of(app.get("/v1/clinic/audit?limit=1", Some(&admin_token)).await).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 1);
        assert!(first["next_cursor"].is_string());
    }
}
