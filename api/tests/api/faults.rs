//! Regressions from field reports, each kept on both backends with the exact input that failed.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

async fn enrol(app: &TestApp, token: &str, email: &str, given: &str) {
    let r = app
        .post_json(
            "/v1/clinic/patients",
            Some(token),
            &json!({"email": email, "given_name": given, "timezone": "Europe/Paris", "locale": "en"}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let r = app
        .request(reqwest::Method::GET, "/v1/clinic/patients", Some(token))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["given_name"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn search_folds_non_ascii_letters(app) {
        let (_, token) = app.staff("clinician").await;
        enrol(&app, &token, "elodie@example.test", "Élodie").await;
        enrol(&app, &token, "ivan@example.test", "Иван").await;
        for q in ["Élodie", "élodie", "ÉLODIE"] {
            assert_eq!(search(&app, &token, q).await, ["Élodie"], "{q}");
        }
        for q in ["иван", "ИВАН", "Иван"] {
            assert_eq!(search(&app, &token, q).await, ["Иван"], "{q}");
        }
        // Accents and capitals are folded away (issue 25); every word must match.
        assert_eq!(search(&app, &token, "elodie").await, ["Élodie"]);
        assert!(search(&app, &token, "elodie zz").await.is_empty());
        assert_eq!(search(&app, &token, "ELODIE@").await, ["Élodie"]);
    }
}

/// Every write route of the clinic and the patient at once: 16 patients × 8 writes = 128
/// concurrent clients, several on the same patient. SQLite must queue them (write transactions
/// take the lock up front), never answer 500.
async fn concurrent_writes_never_fail(app: &TestApp) {
    use crate::treatments::treatment_body;
    use reqwest::Method;

    let (staff, token) = app.staff("clinic_admin").await;
    let mut patients = Vec::new();
    for _ in 0..16 {
        let (p, t) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let id = p.id.as_str().to_owned();
        let r = app
            .post_json(
                &format!("/v1/clinic/patients/{id}/treatments"),
                Some(&token),
                &treatment_body(1),
            )
            .await;
        assert_eq!(r.status(), 201);
        let tl: serde_json::Value = app
            .get("/v1/me/timeline", Some(&t))
            .await
            .json()
            .await
            .unwrap();
        let prompt = tl["prompts"][0]["id"].as_str().unwrap().to_owned();
        patients.push((id, t, prompt));
    }
    let starts = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (id, patient_token, prompt)) in patients.into_iter().enumerate() {
        let zone = if i % 2 == 0 {
            "Asia/Kolkata"
        } else {
            "America/New_York"
        };
        let requests = [
            app.request(Method::POST, "/v1/clinic/patients", Some(&token)).json(&json!({
                "email": format!("crowd{i}@example.test"), "given_name": "Crowd",
                "timezone": "UTC", "locale": "en"})),
            app.request(Method::POST, "/v1/clinic/staff", Some(&token)).json(&json!({
                "email": format!("staff{i}@example.test"), "name": "Crowd Staff", "role": "clinician"})),
            app.request(Method::POST, &format!("/v1/clinic/patients/{id}/treatments"), Some(&token))
                .json(&treatment_body(2)),
            app.request(Method::PUT, &format!("/v1/clinic/patients/{id}/next-session"), Some(&token))
                .json(&json!({"starts_at": starts})),
            app.request(Method::PATCH, "/v1/me", Some(&patient_token)).json(&json!({"timezone": zone})),
            app.request(Method::POST, "/v1/me/check-ins", Some(&patient_token)).json(&json!({
                "redness": 3, "swelling": 2, "pain": 2 + (i % 2) * 6, "peeling": false, "symptoms": []})),
            app.request(Method::POST, "/v1/me/devices", Some(&patient_token))
                .json(&json!({"platform": "android", "token": crate::helpers::fcm_token(&format!("crowd-{i}"))})),
            app.request(Method::POST, &format!("/v1/me/prompts/{prompt}/ack"), Some(&patient_token)),
        ];
        for (n, r) in requests.into_iter().enumerate() {
            // The ack races the second treatment, which may cancel that prompt first: a 409
            // saying so is a right answer, not a lock failure.
            let is_ack = n == 7;
            tasks.spawn(async move {
                let resp = r.send().await.unwrap();
                let status = resp.status().as_u16();
                (is_ack, status, resp.text().await.unwrap_or_default())
            });
        }
    }
    let mut failures = Vec::new();
    let mut done = 0;
    while let Some(finished) = tasks.join_next().await {
        let (is_ack, status, body) = finished.unwrap();
        done += 1;
        let cancelled_first = is_ack && status == 409 && body.contains("cancelled");
        if !(200..300).contains(&status) && !cancelled_first {
            failures.push(format!("{status} {body}"));
        }
    }
    assert_eq!(done, 128);
    assert!(
        failures.is_empty(),
        "{} of 128 writes failed: {failures:?}",
        failures.len()
    );
}

both_backends! {
    async fn every_write_route_at_once_succeeds(app) {
        concurrent_writes_never_fail(&app).await;
    }
}

/// A patient in New York (quiet 21:00–10:00) whose treatment was recorded hours late, so the
/// day-0 prompts were caught up at 12:50 local, moves to Kolkata a moment later: there 12:50 in
/// New York is 23:20, inside the quiet hours. Every scheduled prompt must show its instant on
/// the Kolkata clock, and none may fall in the quiet hours there.
async fn zone_change_after_catch_up(app: &TestApp) {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    use diesel::prelude::*;
    use shared::care::{StaffActor, preferences, treatments};
    use shared::db::schema::prompts;
    use shared::domain::{Area, Device, LocalTime, NeedleDepth, PatientId, QuietHours, TimeZone};

    let (staff, _) = app.staff("clinician").await;
    let (patient, _) = app.patient_in(&staff.clinic_id, "America/New_York").await;
    let id: PatientId = patient.id.as_patient();
    let protocol = shared::care::Protocols::new(std::sync::Arc::new(
        shared::protocol::Protocol::builtin().unwrap(),
    ));
    let at = |h, m, s| {
        NaiveDate::from_ymd_opt(2026, 1, 15)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    };
    let quiet = QuietHours::new(
        LocalTime::parse("21:00").unwrap(),
        LocalTime::parse("10:00").unwrap(),
    )
    .unwrap();
    let settings = |tz: &str| preferences::PreferencesForm {
        timezone: Some(TimeZone::parse(tz).unwrap()),
        quiet_hours: Some(Some(quiet)),
        ..Default::default()
    };
    preferences::update(
        &app.db,
        &protocol,
        &id,
        settings("America/New_York"),
        at(13, 0, 0),
    )
    .await
    .unwrap();
    let actor = StaffActor {
        clinic_id: staff.clinic_id.clone(),
        user_id: staff.id.clone(),
    };
    let form = treatments::TreatmentForm {
        performed_at: at(13, 0, 0), // 08:00 in New York
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
        contraindications: vec![],
        override_reason: None,
        notes: None,
    };
    // Recorded at 12:49:30 in New York: the morning's prompts are caught up from 12:50 on.
    treatments::record(&app.db, &protocol, &actor, &id, form, at(17, 49, 30))
        .await
        .unwrap();
    let moved = at(17, 49, 45);
    preferences::update(&app.db, &protocol, &id, settings("Asia/Kolkata"), moved)
        .await
        .unwrap();

    let p = id.clone();
    let rows: Vec<(String, String, NaiveDateTime, bool)> = app
        .db
        .run(move |c| {
            Ok(prompts::table
                .filter(prompts::patient_id.eq(p.as_str()))
                .filter(prompts::status.eq("scheduled"))
                .select((
                    prompts::local_date,
                    prompts::local_time,
                    prompts::due_at,
                    prompts::urgent,
                ))
                .load(c)?)
        })
        .await
        .unwrap();
    let kolkata = chrono_tz::Asia::Kolkata;
    let moved_out = rows
        .iter()
        .filter(|r| r.2 > moved && r.2 < at(18, 30, 0))
        .count();
    assert_eq!(
        moved_out, 0,
        "caught-up prompts left at 23:20 in Kolkata: {rows:?}"
    );
    assert!(!rows.is_empty());
    for (date, time, due, urgent) in &rows {
        let local = due.and_utc().with_timezone(&kolkata).naive_local();
        assert_eq!(
            (date.as_str(), time.as_str()),
            (
                local.format("%Y-%m-%d").to_string().as_str(),
                local.format("%H:%M").to_string().as_str()
            ),
            "{rows:?}"
        );
        let t = local.time();
        let quiet_now = t >= NaiveTime::from_hms_opt(21, 0, 0).unwrap()
            || t < NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert!(*urgent || !quiet_now, "{date} {time} is in the quiet hours");
    }
}

both_backends! {
    async fn late_prompts_follow_a_zone_change(app) {
        zone_change_after_catch_up(&app).await;
    }
}

both_backends! {
    async fn control_characters_are_refused_in_free_text(app) {
        use crate::helpers::problem;
        use crate::treatments::{setup, treatment_body};

        let (staff, patient, patient_token) = setup(&app).await;
        for control in ["\u{0}", "\n", "\u{1b}"] {
            // Well-formed but for the control character in its middle.
            let token = crate::helpers::fcm_token("ctl").replacen(':', &format!("{control}:"), 1);
            let body = json!({"platform": "android", "token": token});
            let p = problem(app.post_json("/v1/me/devices", Some(&patient_token), &body).await, 422).await;
            assert_eq!(p["errors"][0]["field"], "token", "{token:?}");
        }
        let body = json!({"platform": "android", "token": crate::helpers::fcm_token("ok"), "app_version": "1.0\u{0}"});
        let p = problem(app.post_json("/v1/me/devices", Some(&patient_token), &body).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "app_version");
        let path = format!("/v1/clinic/patients/{patient}/treatments");
        let mut body = treatment_body(1);
        body["notes"] = json!("fine\nbut \u{0} not");
        let p = problem(app.post_json(&path, Some(&staff), &body).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "notes");
        let enrol = json!({"email": "x@example.test", "given_name": "A\u{0}na",
                           "timezone": "UTC", "locale": "en"});
        let p = problem(app.post_json("/v1/clinic/patients", Some(&staff), &enrol).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "given_name");
    }
}
