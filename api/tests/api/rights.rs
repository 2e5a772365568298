//! The patient's rights: `GET /v1/me/export` (everything held, nothing of anyone else) and
//! `DELETE /v1/me` (erased in one go; the session dies at once; the clinical record stays,
//! de-identified).

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::db::schema::{
    audit_log, check_ins, delivery_attempts, devices, login_throttle, prompts, sessions,
    treatments, users,
};
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::auth_support::{login, refresh, str_of, tokens};
use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{record, rfc, treatment_body};

/// A clinician's token and a patient with a treatment, a booked session, an acknowledged
/// prompt, an urgent check-in and a device; the patient signed in over HTTP (a real session
/// with a refresh token). Returns (staff token, patient id, patient email, login tokens).
async fn rich_patient(
    app: &TestApp,
    clinic: &shared::domain::ClinicId,
) -> (String, String, String, Value) {
    let (_, staff) = app.staff_in(clinic, "clinician").await;
    let (patient, _) = app.patient_in(clinic, "Europe/Madrid").await;
    let pid = patient.id.to_string();
    record(app, &staff, &pid, &treatment_body(1)).await;
    let r = app
        .request(
            Method::PUT,
            &format!("/v1/clinic/patients/{pid}/next-session"),
            Some(&staff),
        )
        .json(&json!({"starts_at": rfc(Utc::now() + Duration::days(28))}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let session = tokens(login(app, &patient.email, FIXTURE_PASSWORD).await).await;
    let token = str_of(&session, "access_token");
    let timeline: Value = app
        .get("/v1/me/timeline", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let first = timeline["prompts"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .request(
            Method::POST,
            &format!("/v1/me/prompts/{first}/ack"),
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let urgent =
        json!({"redness": 3, "swelling": 2, "pain": 2, "peeling": false, "symptoms": ["fever"]});
    assert_eq!(
        app.post_json("/v1/me/check-ins", Some(&token), &urgent)
            .await
            .status(),
        201
    );
    let device = json!({"platform": "ios", "token": crate::helpers::apns_token(&pid), "apns_environment": "sandbox"});
    assert_eq!(
        app.post_json("/v1/me/devices", Some(&token), &device)
            .await
            .status(),
        201
    );
    (staff, pid, patient.email, session)
}

async fn count<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut shared::db::DbConn) -> QueryResult<T> + Send + 'static,
) -> T {
    app.db.run(move |c| Ok(f(c)?)).await.unwrap()
}

both_backends! {
    async fn the_export_holds_everything_of_the_patient_and_nothing_of_another(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, pid, email, session) = rich_patient(&app, &admin.clinic_id).await;
        let (_, other_pid, other_email, _) = rich_patient(&app, &admin.clinic_id).await;
        let token = str_of(&session, "access_token");

        let resp = app.get("/v1/me/export", Some(&token)).await;
        assert_eq!(resp.status(), 200);
        let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"aftercare-export-") && disposition.ends_with(".json\""), "{disposition}");
        let text = resp.text().await.unwrap();
        assert!(!text.contains(&other_pid) && !text.contains(&other_email), "another patient's data in the export");
        assert!(!text.contains(&crate::helpers::apns_token(&pid)), "a full device token in the export");
        let e: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(e["format"], 1);
        assert_eq!((e["profile"]["id"].as_str(), e["profile"]["email"].as_str()), (Some(pid.as_str()), Some(email.as_str())));
        assert_eq!((e["profile"]["given_name"].as_str(), e["profile"]["status"].as_str()), (Some("Ana"), Some("active")));
        assert_eq!(e["preferences"]["channels"], json!({"push": true, "email": true, "sms": true}));
        assert_eq!(e["preferences"]["lock_screen_preview"], "private");
        assert_eq!(e["clinic"]["name"], "Test Clinic");
        assert_eq!(e["treatments"].as_array().unwrap().len(), 1);
        assert!(e["next_session"]["starts_at"].is_string());
        let prompts = e["prompts"].as_array().unwrap();
        // The urgent check-in cancelled the acknowledged prompt's kind; the acknowledgement stays.
        assert!(prompts.iter().any(|p| p["acknowledged_at"].is_string()));
        assert!(prompts.iter().any(|p| p["status"] == "scheduled"));
        assert_eq!(e["check_ins"][0]["symptoms"], json!(["fever"]));
        assert_eq!(e["escalations"][0]["severity"], "urgent");
        assert!(e["escalations"][0].get("resolution_note").is_none());
        let device = &e["devices"][0];
        assert_eq!((device["provider"].as_str(), device["apns_environment"].as_str()), (Some("apns"), Some("sandbox")));
        let full = crate::helpers::apns_token(&pid);
        assert_eq!(device["token_ending"].as_str().unwrap(), &full[full.len() - 4..]);
        let actions: Vec<&str> = e["access_log"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"patient.export") && actions.contains(&"treatment.create"), "{actions:?}");
    }

    async fn erasure_removes_the_person_keeps_the_record_and_ends_the_session_at_once(app) {
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (staff, pid, email, session) = rich_patient(&app, &admin.clinic_id).await;
        let token = str_of(&session, "access_token");
        // A second login: every session of the patient ends, not only the caller's.
        let other = str_of(&tokens(login(&app, &email, FIXTURE_PASSWORD).await).await, "access_token");

        // A mistyped password leaves a failure counter keyed by a hash of the email.
        problem(login(&app, &email, "not-the-password").await, 401).await;
        let key = shared::db::throttle::account_key(&email);
        let k = key.clone();
        assert_eq!(count(&app, move |c| login_throttle::table.find(&k).count().get_result::<i64>(c)).await, 1);

        // A mail server's rejection, kept as a delivery record, quotes the address.
        let (p, rejected) = (pid.clone(), format!("550 5.1.1 <{email}>: Recipient address rejected"));
        count(&app, move |c| {
            let prompt: String = prompts::table.filter(prompts::patient_id.eq(&p)).select(prompts::id).first(c)?;
            diesel::insert_into(delivery_attempts::table)
                .values((
                    delivery_attempts::id.eq("attempt-rejected"),
                    delivery_attempts::prompt_id.eq(&prompt),
                    delivery_attempts::channel.eq("email"),
                    delivery_attempts::outcome.eq("failed"),
                    delivery_attempts::error.eq(&rejected),
                    delivery_attempts::worker_id.eq("w"),
                    delivery_attempts::attempted_at.eq(Utc::now().naive_utc()),
                ))
                .execute(c)?;
            diesel::update(prompts::table.find(&prompt)).set(prompts::last_error.eq(&rejected)).execute(c)
        })
        .await;

        let r = app.request(Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let (kept, last_errors) = count(&app, |c| {
            let kept = delivery_attempts::table.find("attempt-rejected").select((delivery_attempts::outcome, delivery_attempts::error)).first::<(String, Option<String>)>(c)?;
            let last = prompts::table.filter(prompts::last_error.like("%Recipient%")).count().get_result::<i64>(c)?;
            Ok::<_, diesel::result::Error>((kept, last))
        })
        .await;
        assert_eq!(kept, ("failed".to_owned(), None), "the outcome stays, the quoted address goes");
        assert_eq!(last_errors, 0);
        let k = key.clone();
        assert_eq!(count(&app, move |c| login_throttle::table.find(&k).count().get_result::<i64>(c)).await, 0);

        // The old access tokens are dead now, not when they expire; a second erasure is 401.
        problem(app.get("/v1/me", Some(&token)).await, 401).await;
        problem(app.get("/v1/me/timeline", Some(&token)).await, 401).await;
        problem(app.get("/v1/me/export", Some(&other)).await, 401).await;
        problem(app.request(Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap(), 401).await;
        problem(refresh(&app, &str_of(&session, "refresh_token")).await, 401).await;
        problem(login(&app, &email, FIXTURE_PASSWORD).await, 401).await;

        // The roster shows an erased patient without name or email; search finds no one.
        let page: Value = app.get("/v1/clinic/patients", Some(&staff)).await.json().await.unwrap();
        let row = page["items"].as_array().unwrap().iter().find(|p| p["id"] == pid.as_str()).unwrap().clone();
        assert_eq!((row["status"].as_str(), row["given_name"].as_str()), (Some("erased"), Some("")));
        assert!(row["family_name"].is_null() && row["next_session_at"].is_null());
        let found: Value = app.get("/v1/clinic/patients?q=ana", Some(&staff)).await.json().await.unwrap();
        assert!(found["items"].as_array().unwrap().is_empty());
        let erased: Value = app.get("/v1/clinic/patients?status=erased", Some(&staff)).await.json().await.unwrap();
        assert_eq!(erased["items"].as_array().unwrap().len(), 1);

        // The clinical record stays, de-identified.
        let rec: Value = app.get(&format!("/v1/clinic/patients/{pid}"), Some(&staff)).await.json().await.unwrap();
        assert_eq!((rec["email"].as_str(), rec["given_name"].as_str(), rec["status"].as_str()), (Some(""), Some(""), Some("erased")));
        assert!(rec["phone"].is_null() && rec["family_name"].is_null());
        assert_eq!(rec["treatments"].as_array().unwrap().len(), 1);
        assert_eq!(rec["check_ins"].as_array().unwrap().len(), 1);
        assert!(rec["next_session"].is_null());
        let text = serde_json::to_string(&rec).unwrap();
        assert!(!text.contains(&email) && !text.contains("Ana"), "{text}");

        let p = pid.clone();
        let (stored_email, hash, status) = count(&app, move |c| users::table.find(&p).select((users::email, users::password_hash, users::status)).first::<(String, Option<String>, String)>(c)).await;
        assert!(stored_email.ends_with("@erased.invalid") && !stored_email.contains(&email));
        assert!(hash.is_none());
        assert_eq!(status, "erased");
        let p = pid.clone();
        assert_eq!(count(&app, move |c| devices::table.filter(devices::patient_id.eq(&p)).count().get_result::<i64>(c)).await, 0);
        let p = pid.clone();
        assert_eq!(count(&app, move |c| sessions::table.filter(sessions::user_id.eq(&p)).count().get_result::<i64>(c)).await, 0);
        let p = pid.clone();
        let waiting = count(&app, move |c| prompts::table.filter(prompts::patient_id.eq(&p)).filter(prompts::status.eq("scheduled")).count().get_result::<i64>(c)).await;
        assert_eq!(waiting, 0, "prompts still planned after erasure");
        let p = pid.clone();
        assert_eq!(count(&app, move |c| treatments::table.filter(treatments::patient_id.eq(&p)).count().get_result::<i64>(c)).await, 1);
        let p = pid.clone();
        assert_eq!(count(&app, move |c| check_ins::table.filter(check_ins::patient_id.eq(&p)).count().get_result::<i64>(c)).await, 1);

        // The audit log keeps the fact, by id only; the admin can read it.
        let log: Value = app.get(&format!("/v1/clinic/audit?patient_id={pid}"), Some(&admin_token)).await.json().await.unwrap();
        let shown: Vec<&str> = log["items"].as_array().unwrap().iter().map(|i| i["action"].as_str().unwrap()).collect();
        assert!(shown.contains(&"patient.erase"), "{shown:?}");
        let p = pid.clone();
        let erasures: i64 = count(&app, move |c| audit_log::table.filter(audit_log::patient_id.eq(&p)).filter(audit_log::action.eq("patient.erase")).filter(audit_log::actor_id.eq(&p)).count().get_result(c)).await;
        assert_eq!(erasures, 1);
    }

    async fn a_discharged_patient_can_still_export_and_erase(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (staff, pid, _, session) = rich_patient(&app, &admin.clinic_id).await;
        let r = app.request(Method::POST, &format!("/v1/clinic/patients/{pid}/discharge"), Some(&staff)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let token = str_of(&session, "access_token");
        let e: Value = app.get("/v1/me/export", Some(&token)).await.json().await.unwrap();
        assert_eq!(e["profile"]["status"], "discharged");
        assert!(e["profile"]["discharged_at"].is_string());
        let r = app.request(Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert_eq!(r.status(), 204);
        problem(app.get("/v1/me/export", Some(&token)).await, 401).await;
    }

    async fn logout_ends_the_access_token_too(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, _, _, session) = rich_patient(&app, &admin.clinic_id).await;
        let token = str_of(&session, "access_token");
        assert_eq!(app.get("/v1/me/timeline", Some(&token)).await.status(), 200);
        let r = app.post_json("/v1/auth/logout", Some(&token), &json!({"refresh_token": str_of(&session, "refresh_token")})).await;
        assert_eq!(r.status(), 204);
        problem(app.get("/v1/me", Some(&token)).await, 401).await;
        // The timeline checks the session in its own handler (`CHECKED_BY_HANDLER`): as dead.
        problem(app.get("/v1/me/timeline", Some(&token)).await, 401).await;
    }
}
