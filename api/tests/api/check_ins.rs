//! The clinical loop over HTTP: check-ins validated and triaged, escalations in the clinic's
//! queue, resolved once with a note, and a plan that adapts to what the patient reported.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{rfc, setup, treatment_body};

/// A treatment performed `days` days ago (same time of day, so the local dates differ by
/// exactly `days`).
async fn treated_days_ago(app: &TestApp, staff: &str, patient: &str, days: i64) {
    let mut body = treatment_body(1);
    body["performed_at"] = json!(rfc(Utc::now() - Duration::days(days)));
    let r = app
        .post_json(
            &format!("/v1/clinic/patients/{patient}/treatments"),
            Some(staff),
            &body,
        )
        .await;
    assert_eq!(r.status(), 201);
}

fn report(redness: i64, pain: i64, peeling: bool, symptoms: &[&str]) -> Value {
    json!({"redness": redness, "swelling": 2, "pain": pain, "peeling": peeling, "symptoms": symptoms})
}

async fn check_in(app: &TestApp, token: &str, body: &Value) -> Value {
    let r = app.post_json("/v1/me/check-ins", Some(token), body).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn queue(app: &TestApp, staff: &str, query: &str) -> Value {
    let r = app
        .get(&format!("/v1/clinic/escalations{query}"), Some(staff))
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn resolve(app: &TestApp, staff: &str, id: &str, note: &str) -> reqwest::Response {
    app.post_json(
        &format!("/v1/clinic/escalations/{id}/resolve"),
        Some(staff),
        &json!({"note": note}),
    )
    .await
}

async fn timeline(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/v1/me/timeline", Some(token)).await;
    r.json::<Value>().await.unwrap()["prompts"]
        .as_array()
        .unwrap()
        .clone()
}

both_backends! {
    async fn every_invalid_or_missing_field_is_named(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 1).await;
        let p = problem(app.post_json("/v1/me/check-ins", Some(&token), &json!({})).await, 422).await;
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["redness", "swelling", "pain", "peeling", "symptoms"], "{p}");

        let bad = json!({"redness": 11, "swelling": -1, "pain": "7", "peeling": "yes", "symptoms": ["itchy"]});
        let p = problem(app.post_json("/v1/me/check-ins", Some(&token), &bad).await, 422).await;
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["redness", "swelling", "pain", "peeling", "symptoms"], "{p}");
        let bad = json!({"redness": 2.5, "swelling": 1, "pain": 1, "peeling": false, "symptoms": "fever"});
        let p = problem(app.post_json("/v1/me/check-ins", Some(&token), &bad).await, 422).await;
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["redness", "symptoms"], "{p}");

        let r = app.post_json("/v1/me/check-ins", Some(&staff), &report(1, 1, false, &[])).await;
        problem(r, 403).await;
        problem(app.post_json("/v1/me/check-ins", None, &report(1, 1, false, &[])).await, 401).await;
        let r = app.request(Method::POST, "/v1/me/check-ins", Some(&token)).body("{").header("content-type", "application/json").send().await.unwrap();
        assert_eq!(r.status(), 400);
        // Nothing was stored by any of these.
        assert_eq!(queue(&app, &staff, "").await["items"], json!([]));
    }

    async fn no_treatment_is_a_conflict_and_a_discharged_patient_may_still_check_in(app) {
        let (staff, patient, token) = setup(&app).await;
        problem(app.post_json("/v1/me/check-ins", Some(&token), &report(2, 1, false, &[])).await, 409).await;
        treated_days_ago(&app, &staff, &patient, 2).await;
        let r = app.post_json(&format!("/v1/clinic/patients/{patient}/discharge"), Some(&staff), &Value::Null).await;
        assert_eq!(r.status(), 200);
        let c = check_in(&app, &token, &report(2, 1, false, &[])).await;
        assert_eq!((c["day"].as_i64(), c["severity"].as_str()), (Some(2), Some("none")));
    }

    async fn expected_healing_is_reassured_not_escalated(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 1).await;
        let c = check_in(&app, &token, &report(4, 2, false, &[])).await;
        assert_eq!(c["day"], 1);
        assert_eq!(c["severity"], "none");
        assert_eq!(c["escalated"], false);
        assert!(!c["guidance"].as_array().unwrap().is_empty(), "{c}");
        assert_eq!(queue(&app, &staff, "").await["items"], json!([]));
    }

    async fn day_six_redness_seven_reaches_the_queue_and_is_resolved_once(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 6).await;
        let c = check_in(&app, &token, &report(7, 2, false, &[])).await;
        assert_eq!((c["day"].as_i64(), c["severity"].as_str(), c["escalated"].as_bool()), (Some(6), Some("routine"), Some(true)));

        let open = queue(&app, &staff, "?status=open").await;
        let items = open["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{open}");
        let e = &items[0];
        assert_eq!(e["patient_id"], patient.as_str());
        assert_eq!((e["severity"].as_str(), e["reason"].as_str()), (Some("routine"), Some("redness_not_fading")));
        assert_eq!(e["check_in"]["id"], c["id"]);
        assert_eq!(e["check_in"]["redness"], 7);
        assert_eq!(e["time_to_resolve_secs"], Value::Null);
        // The roster counts it.
        let roster: Value = app.get("/v1/clinic/patients", Some(&staff)).await.json().await.unwrap();
        assert_eq!(roster["items"][0]["open_escalations"], 1);

        let id = e["id"].as_str().unwrap().to_owned();
        let r = resolve(&app, &staff, &id, "Called the patient: cooling and a review on Friday.\nAll fine.").await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(done["status"], "resolved");
        assert!(done["time_to_resolve_secs"].as_i64().unwrap() >= 0);
        let p = problem(resolve(&app, &staff, &id, "a second note").await, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("already resolved"), "{p}");
        let resolved = queue(&app, &staff, "?status=resolved").await;
        assert_eq!(resolved["items"][0]["resolution_note"], done["resolution_note"], "the first resolution stands");
        assert_eq!(queue(&app, &staff, "?status=open").await["items"], json!([]));

        // Audited: the clinic's admin reads who resolved it.
        let clinic: Value = app.get("/v1/clinic", Some(&staff)).await.json().await.unwrap();
        let clinic_id = shared::domain::ClinicId::from(clinic["id"].as_str().unwrap());
        let (_, admin) = app.staff_in(&clinic_id, "clinic_admin").await;
        let audit: Value = app.get(&format!("/v1/clinic/audit?patient_id={patient}"), Some(&admin)).await.json().await.unwrap();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "escalation.resolve").count(), 1, "{actions:?}");
        assert!(actions.contains(&"check_in.create"), "{actions:?}");
    }

    async fn the_queue_is_scoped_checked_and_paged(app) {
        let (staff, patient, token) = setup(&app).await;
        let clinic: Value = app.get("/v1/clinic", Some(&staff)).await.json().await.unwrap();
        let clinic_id = shared::domain::ClinicId::from(clinic["id"].as_str().unwrap());
        treated_days_ago(&app, &staff, &patient, 6).await;
        check_in(&app, &token, &report(8, 2, false, &[])).await;
        for _ in 0..2 {
            let (other, other_token) = app.patient_in(&clinic_id, "Europe/Madrid").await;
            treated_days_ago(&app, &staff, other.id.as_str(), 6).await;
            check_in(&app, &other_token, &report(8, 2, false, &[])).await;
        }
        let first = queue(&app, &staff, "?limit=2").await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = queue(&app, &staff, &format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert_eq!(second["next_cursor"], Value::Null);
        assert!(first["items"][0]["created_at"].as_str() >= first["items"][1]["created_at"].as_str(), "newest first");
        let id = first["items"][0]["id"].as_str().unwrap().to_owned();

        problem(app.get("/v1/clinic/escalations?status=closed", Some(&staff)).await, 422).await;
        problem(app.get("/v1/clinic/escalations", Some(&token)).await, 403).await;
        problem(app.get("/v1/clinic/escalations", None).await, 401).await;
        problem(resolve(&app, &token, &id, "x").await, 403).await;
        problem(resolve(&app, &staff, &id, "   ").await, 422).await;
        problem(resolve(&app, &staff, "no-such-escalation", "x").await, 404).await;
        // Another clinic sees nothing of it and cannot resolve it.
        let (_, other) = app.staff("clinician").await;
        assert_eq!(queue(&app, &other, "").await["items"], json!([]));
        problem(resolve(&app, &other, &id, "not mine").await, 404).await;
        assert_eq!(queue(&app, &staff, "?status=open").await["items"].as_array().unwrap().len(), 3);
    }

    async fn an_urgent_check_in_tells_the_clinic_and_holds_reassurance_until_resolved(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 1).await;
        let reassuring = |tl: &[Value]| tl.iter()
            .filter(|p| p["key"] == "day3_dry_peeling" || p["key"] == "day4_breakouts")
            .map(|p| p["status"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>();
        assert_eq!(reassuring(&timeline(&app, &token).await), ["scheduled", "scheduled"]);

        let c = check_in(&app, &token, &report(3, 2, false, &["fever"])).await;
        assert_eq!(c["severity"], "urgent");
        let guidance = c["guidance"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect::<Vec<_>>().join(" ");
        assert!(guidance.contains("+34 600 000 000"), "urgent guidance names the clinic's phone: {guidance}");

        let tl = timeline(&app, &token).await;
        let told = tl.iter().find(|p| p["key"] == "urgent_check_in_received").expect("the confirmation prompt");
        // Right away: the check-in's minute, rounded up, plus a minute for each prompt already
        // due then (the plan spaces prompts a minute apart; from about 11:00 UTC on, this
        // treatment's plan has one there), so within a few minutes of now.
        assert!(told["send_at"].as_str().unwrap() <= rfc(Utc::now() + Duration::minutes(5)).as_str(), "sent right away: {told}");
        assert_eq!(reassuring(&tl), ["cancelled", "cancelled"], "no 'all is normal' while the clinic looks");

        // The clinic's alert is queued in the same transaction.
        let e = &queue(&app, &staff, "?status=open").await["items"][0];
        assert_eq!(e["severity"], "urgent");
        let eid = shared::domain::EscalationId::from(e["id"].as_str().unwrap());
        let alert = app.db.run(move |c| shared::db::alerts::for_escalation(c, &eid)).await.unwrap();
        assert!(alert.is_some(), "an urgent escalation has its clinic alert");

        assert_eq!(resolve(&app, &staff, e["id"].as_str().unwrap(), "Seen in clinic today.").await.status(), 200);
        assert_eq!(reassuring(&timeline(&app, &token).await), ["scheduled", "scheduled"], "reassurance returns once resolved");
    }

    async fn a_routine_result_plans_a_follow_up_the_next_morning_in_the_patients_language(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 6).await;
        let en = check_in(&app, &token, &report(7, 2, false, &[])).await;
        let tl = timeline(&app, &token).await;
        let follow = tl.iter().find(|p| p["key"] == "check_in_follow_up").expect("a follow-up prompt");
        assert_eq!(follow["kind"], "check_in");
        assert_eq!(follow["local_time"], "10:00");
        let tomorrow = (Utc::now().with_timezone(&chrono_tz::Europe::Madrid) + Duration::days(1)).date_naive().to_string();
        assert_eq!(follow["local_date"], tomorrow.as_str());

        let r = app.request(Method::PATCH, "/v1/me", Some(&token)).json(&json!({"locale": "es"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let es = check_in(&app, &token, &report(7, 2, false, &[])).await;
        assert_ne!(en["guidance"], es["guidance"], "guidance follows the patient's language");
        let tl = timeline(&app, &token).await;
        assert_eq!(tl.iter().filter(|p| p["key"] == "check_in_follow_up").count(), 1, "one follow-up a day");
        assert_eq!(queue(&app, &staff, "").await["items"].as_array().unwrap().len(), 1, "the same trouble again adds to the open escalation");
    }

    async fn repeated_urgent_reports_make_one_escalation_one_alert_and_one_confirmation(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 2).await;
        let routine = check_in(&app, &token, &report(3, 8, false, &[])).await;
        assert_eq!(routine["severity"], "routine");
        for _ in 0..3 {
            let c = check_in(&app, &token, &report(3, 2, false, &["pus"])).await;
            assert_eq!((c["severity"].as_str(), c["escalated"].as_bool()), (Some("urgent"), Some(true)));
        }
        let q = queue(&app, &staff, "?status=open").await;
        let severities: Vec<&str> = q["items"].as_array().unwrap().iter().map(|e| e["severity"].as_str().unwrap()).collect();
        assert_eq!(severities, ["urgent", "routine"], "a worse report opens one urgent escalation; repeats add to it");
        let tl = timeline(&app, &token).await;
        assert_eq!(tl.iter().filter(|p| p["key"] == "urgent_check_in_received").count(), 1);
        // A repeat of a milder kind while an urgent one is open adds to it too.
        let again = check_in(&app, &token, &report(3, 8, false, &[])).await;
        assert_eq!(again["escalated"], true);
        assert_eq!(queue(&app, &staff, "?status=open").await["items"].as_array().unwrap().len(), 2);
    }

    async fn a_check_in_is_an_object_and_echoes_nothing_typed(app) {
        let (staff, patient, token) = setup(&app).await;
        treated_days_ago(&app, &staff, &patient, 1).await;
        let r = app.post_json("/v1/me/check-ins", Some(&token), &json!([3, 2, 1, false, []])).await;
        problem(r, 422).await;
        assert_eq!(queue(&app, &staff, "").await["items"], json!([]), "a positional array is not a check-in");
        let body = json!({"redness": 1, "swelling": 1, "pain": 1, "peeling": false, "symptoms": ["my face is bleeding", "fever"]});
        let p = problem(app.post_json("/v1/me/check-ins", Some(&token), &body).await, 422).await;
        assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
        assert!(!p.to_string().contains("bleeding"), "what the patient typed is not echoed: {p}");
    }
}

/// The delivery loop embedded in the API (the single-node SQLite set-up, which has no database
/// notifications) emails an urgent check-in's clinic alert at once: the API rings the loop after
/// the check-in commits, instead of leaving it to the next tick (which never comes here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_loop_emails_an_urgent_check_in_without_waiting_for_its_tick() {
    let smtp = shared::testing::smtp::SmtpServer::start().await;
    let mut settings = smtp.settings();
    settings.push(("AFTERCARE_EMBEDDED_WORKER", "on".to_owned()));
    settings.push(("AFTERCARE_DISPATCH_CRON", "0 0 0 1 1 * 2099".to_owned()));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(shared::db::Backend::Sqlite, &pairs)
        .await
        .unwrap();
    let (staff, staff_token) = app.staff("clinician").await;
    let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
    treated_days_ago(&app, &staff_token, patient.id.as_str(), 1).await;

    let c = check_in(&app, &token, &report(3, 2, false, &["fever"])).await;
    assert_eq!(c["severity"], "urgent");

    let mails = smtp.wait_for(&staff.email, 1).await;
    assert_eq!(mails.len(), 1, "the clinic is emailed once, without a tick");
}
