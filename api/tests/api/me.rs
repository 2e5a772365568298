//! The patient's profile and plan: preferences re-time future prompts, never sent ones; the
//! timeline answers with an ETag.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::db::schema::prompts;

use crate::both_backends;
use crate::helpers::problem;
use crate::treatments::{record, rows, setup, treatment_body};

both_backends! {
    async fn me_shows_profile_and_clinic_contact(app) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "America/New_York").await;
        let r = app.get("/v1/me", Some(&token)).await;
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["id"], patient.id.as_str());
        assert_eq!(me["email"], patient.email.as_str());
        assert_eq!(me["timezone"], "America/New_York");
        assert_eq!(me["quiet_hours"], json!({"start": "21:00", "end": "08:00"}));
        assert_eq!(me["channels"], json!({"push": true, "email": true, "sms": true}));
        assert_eq!(me["lock_screen_preview"], "private");
        assert_eq!(me["clinic"]["name"], "Test Clinic");
        assert!(me["clinic"]["contact_phone"].is_string());
        let staff_token = app.token_for(&staff);
        problem(app.get("/v1/me", Some(&staff_token)).await, 403).await;
        problem(app.get("/v1/me", None).await, 401).await;
    }

    async fn preferences_are_validated(app) {
        let (_, _, token) = setup(&app).await;
        let cases = [
            (json!({"timezone": "Mars/Olympus"}), "timezone"),
            (json!({"locale": "fr"}), "locale"),
            (json!({"quiet_hours": {"start": "22:00", "end": "22:00"}}), "quiet_hours"),
            (json!({"quiet_hours": {"start": "7pm", "end": "08:00"}}), "quiet_hours.start"),
            (json!({"lock_screen_preview": "everything"}), "lock_screen_preview"),
            (json!({"favourite_colour": "red"}), "favourite_colour"),
        ];
        for (body, field) in cases {
            let r = app.request(Method::PATCH, "/v1/me", Some(&token)).json(&body).send().await.unwrap();
            let p = problem(r, 422).await;
            assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
        }
        let r = app.request(Method::PATCH, "/v1/me", Some(&token))
            .json(&json!({"channels": {"push": false}, "lock_screen_preview": "full", "quiet_hours": null}))
            .send().await.unwrap();
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["channels"], json!({"push": false, "email": true, "sms": true}));
        assert_eq!(me["lock_screen_preview"], "full");
        assert_eq!(me["quiet_hours"], Value::Null);
    }

    async fn changing_zone_and_language_replans_only_unsent_future_prompts(app) {
        let (staff, patient, token) = setup(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let before = rows(&app, &patient).await;
        // Pretend the worker already sent day 1's prompt.
        let sent_id = before.iter().find(|p| p.prompt_key == "day1_settling").unwrap().id.clone();
        let id = sent_id.clone();
        app.db.run(move |c| {
            diesel::update(prompts::table.find(id))
                .set((prompts::status.eq("sent"), prompts::sent_at.eq(shared::time::now())))
                .execute(c)?;
            Ok(())
        }).await.unwrap();
        let r = app.request(Method::PATCH, "/v1/me", Some(&token))
            .json(&json!({"timezone": "America/New_York", "locale": "es"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let after = rows(&app, &patient).await;
        assert_eq!(after.len(), before.len(), "re-timed in place, never duplicated");
        for p in &after {
            let old = before.iter().find(|b| b.id == p.id).unwrap();
            if p.id == sent_id {
                assert_eq!((p.due_at, p.locale.as_str(), p.title.as_str()), (old.due_at, "en", old.title.as_str()));
                assert_eq!(p.status.as_str(), "sent");
            } else if p.day > 0 {
                // Still 09:00 (or the prompt's time) on the patient's clock, now New York's.
                assert_eq!((p.timezone.name(), p.locale.as_str()), ("America/New_York", "es"));
                assert_eq!((p.local_time.as_str(), p.day), (old.local_time.as_str(), old.day));
                let shown = p.due_at.and_utc().with_timezone(&chrono_tz::America::New_York);
                assert_eq!(shown.format("%Y-%m-%d %H:%M").to_string(), format!("{} {}", p.local_date, p.local_time));
                assert_ne!(p.due_at, old.due_at, "{}", p.prompt_key);
            }
        }
        // The same change again changes nothing.
        app.request(Method::PATCH, "/v1/me", Some(&token))
            .json(&json!({"timezone": "America/New_York"})).send().await.unwrap();
        let again = rows(&app, &patient).await;
        for (a, b) in again.iter().zip(&after) {
            assert_eq!((a.id.as_str(), a.updated_at, a.due_at), (b.id.as_str(), b.updated_at, b.due_at));
        }
        // Quiet hours covering 09:00 move the morning prompts to their end.
        app.request(Method::PATCH, "/v1/me", Some(&token))
            .json(&json!({"quiet_hours": {"start": "06:00", "end": "09:30"}})).send().await.unwrap();
        let moved = rows(&app, &patient).await;
        let check_in = moved.iter().find(|p| p.prompt_key == "day5_check_in").unwrap();
        assert_eq!(check_in.local_time, "09:30");
    }

    async fn timeline_lists_the_plan_with_an_etag(app) {
        let (staff, patient, token) = setup(&app).await;
        let r = app.get("/v1/me/timeline", Some(&token)).await;
        assert_eq!(r.status(), 200);
        let empty: Value = r.json().await.unwrap();
        assert_eq!(empty, json!({"prompts": [], "next_session": null}));
        record(&app, &staff, &patient, &treatment_body(1)).await;
        // A prompt being sent right now still shows as scheduled.
        let p = patient.clone();
        app.db.run(move |c| {
            let id: String = prompts::table.filter(prompts::patient_id.eq(p))
                .filter(prompts::prompt_key.eq("day3_dry_peeling")).select(prompts::id).first(c)?;
            diesel::update(prompts::table.find(id)).set(prompts::status.eq("sending")).execute(c)?;
            Ok(())
        }).await.unwrap();
        let r = app.get("/v1/me/timeline", Some(&token)).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        let prompts = body["prompts"].as_array().unwrap();
        assert!(prompts.len() > 8);
        let day3 = prompts.iter().find(|p| p["key"] == "day3_dry_peeling").unwrap();
        assert_eq!(day3["status"], "scheduled");
        for field in ["id", "kind", "day", "title", "body", "send_at", "local_date", "local_time", "status", "acknowledged_at"] {
            assert!(day3.get(field).is_some(), "{field}");
        }
        let sends: Vec<&str> = prompts.iter().map(|p| p["send_at"].as_str().unwrap()).collect();
        assert!(sends.windows(2).all(|w| w[0] <= w[1]), "in delivery order");
        let r = app.request(Method::GET, "/v1/me/timeline", Some(&token))
            .header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 304);
        // Booking a session changes the timeline, and its tag.
        let at = chrono::Utc::now() + chrono::Duration::days(21);
        app.request(Method::PUT, &format!("/v1/clinic/patients/{patient}/next-session"), Some(&staff))
            .json(&json!({"starts_at": crate::treatments::rfc(at)})).send().await.unwrap();
        let r = app.request(Method::GET, "/v1/me/timeline", Some(&token))
            .header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
        let body: Value = r.json().await.unwrap();
        assert!(body["next_session"]["starts_at"].as_str().unwrap().ends_with('Z'));
        problem(app.get("/v1/me/timeline", Some(&staff)).await, 403).await;
    }

    async fn routes_that_check_their_own_session_answer_as_the_others(app) {
        // `CHECKED_BY_HANDLER` routes: a live patient is served (so each listed handler takes
        // a deferred caller), a dead session is 401 before its role is looked at (403 only for
        // a live one), as on every other route.
        let (staff, staff_token) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        for &(method, path) in api::extract::CHECKED_BY_HANDLER {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let answer = |t: &str| app.request(method.clone(), path, Some(t)).send();
            assert_eq!(answer(&token).await.unwrap().status(), 200, "{path}");
            assert_eq!(answer(&staff_token).await.unwrap().status(), 403, "{path}");
        }
        let (p, s) = (patient.id.clone(), staff.id.clone());
        app.db.run(move |c| {
            let t = shared::time::now();
            shared::db::sessions::revoke_all_for_user(c, &p, "test", t)?;
            shared::db::sessions::revoke_all_for_user(c, &s, "test", t)
        }).await.unwrap();
        for &(method, path) in api::extract::CHECKED_BY_HANDLER {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            for t in [&token, &staff_token] {
                let r = app.request(method.clone(), path, Some(t)).send().await.unwrap();
                problem(r, 401).await;
            }
        }
        // The same order on a route the middleware checks.
        problem(app.get("/v1/me", Some(&staff_token)).await, 401).await;
    }
}
