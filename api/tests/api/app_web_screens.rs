//! The patient web app's screens: today and the timeline with acknowledge, a prompt's page,
//! the check-in and its urgent answer, the next session's calendar file, preferences, devices,
//! the export download and erasure with its confirmation.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::app_web::signed_in_patient;
use crate::both_backends;
use crate::console_support::{Browser, location};
use crate::helpers::fcm_token;
use crate::treatments::{put_session, record, rows, treatment_body};

both_backends! {
    async fn today_and_the_timeline_show_the_plan_and_a_prompt_is_acknowledged(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        let (status, html) = b.page("/app/timeline").await;
        assert_eq!(status, 200);
        assert!(html.contains("will appear here"), "empty plan: {html}");

        record(&app, &staff, &patient, &treatment_body(1)).await;
        // The first prompt's time has come (whatever the hour the test runs at).
        let first = rows(&app, &patient).await[0].id.clone();
        let past = shared::time::now() - Duration::minutes(1);
        app.db
            .run(move |c| {
                use diesel::prelude::*;
                use shared::db::schema::prompts;
                diesel::update(prompts::table.find(first))
                    .set((prompts::available_at.eq(past), prompts::due_at.eq(past)))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let prompts = rows(&app, &patient).await;
        let due = &prompts[0];
        let id = due.id.to_string();
        let (status, html) = b.page("/app/").await;
        assert_eq!(status, 200);
        assert!(html.contains(&due.title), "today shows the due prompt: {html}");
        assert!(html.contains(&format!("/app/prompts/{id}/acknowledge")), "{html}");
        let (status, html) = b.page("/app/timeline").await;
        assert_eq!(status, 200);
        assert!(html.contains("Day 0"), "{html}");
        let later = prompts.last().unwrap();
        assert!(html.contains(&later.title), "coming prompts too");
        // Dates for people ("Tue 8 Dec, 10:00"), not ISO.
        let date = chrono::NaiveDate::parse_from_str(&later.local_date, "%Y-%m-%d").unwrap();
        let shown = format!("{}, {}", date.format("%a %-d %b"), later.local_time);
        assert!(html.contains(&shown), "{shown} in {html}");
        assert!(!html.contains(&format!("{} {}", later.local_date, later.local_time)), "{html}");
        let (status, html) = b.page(&format!("/app/prompts/{}", later.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("This message is planned for"), "{html}");
        assert!(!html.contains("/acknowledge"), "nothing to acknowledge yet");

        let r = b
            .submit("/app/timeline", &format!("/app/prompts/{id}/acknowledge"), &[("back", "timeline")])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/app/timeline#p-{id}"));
        let acked = rows(&app, &patient).await.into_iter().find(|p| p.id == due.id).unwrap();
        assert!(acked.acknowledged_at.is_some());
        let (status, html) = b.page(&format!("/app/prompts/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&due.title) && html.contains("Seen"), "{html}");
        assert!(!html.contains("/acknowledge"), "no button once seen");

        // Another patient's prompt, an unknown id and a malformed one: the 404 page.
        let (mut other, _, _) = signed_in_patient(&app).await;
        let (status, html) = other.page(&format!("/app/prompts/{id}")).await;
        assert_eq!(status, 404);
        assert!(html.contains("not yours"), "{html}");
        let r = other.submit("/app/", &format!("/app/prompts/{id}/acknowledge"), &[]).await;
        assert_eq!(r.status(), 404);
        let (status, _) = other.page("/app/prompts/not-an-id").await;
        assert_eq!(status, 404);
    }

    async fn an_urgent_check_in_says_the_clinic_was_told_with_its_phone(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        let fields = [("redness", "3"), ("swelling", "2"), ("pain", "2"), ("peeling", "no"),
            ("symptoms", "pus"), ("symptoms", "fever")];
        // No treatment yet: said plainly.
        let r = b.submit("/app/check-in", "/app/check-in", &fields).await;
        assert_eq!(r.status(), 409);

        record(&app, &staff, &patient, &treatment_body(1)).await;
        let (status, html) = b.page("/app/check-in").await;
        assert_eq!(status, 200);
        assert!(html.contains("0 = none") && html.contains("10 = the worst you can imagine"), "{html}");
        assert!(html.contains("Yellow or green fluid (pus)"), "plain words: {html}");
        // A missing answer: the form again, as typed.
        let r = b.submit("/app/check-in", "/app/check-in", &[("redness", "3")]).await;
        assert_eq!(r.status(), 422);

        let r = b.submit("/app/check-in", "/app/check-in", &fields).await;
        assert_eq!(r.status(), 303, "post/redirect/get");
        assert_eq!(r.headers()["location"], "/app/check-in/answer");
        let (status, html) = b.page("/app/check-in/answer").await;
        assert_eq!(status, 200);
        // Reloading the answer shows it again and records nothing.
        assert_eq!(b.page("/app/check-in/answer").await.1, html);
        assert!(html.contains("Your clinic has been told."), "{html}");
        assert!(html.contains("id=\"call-now\" href=\"tel:+34600000000\""), "{html}");
        assert!(html.contains("Contact your clinic now"), "the protocol's guidance: {html}");
        // The clinic sees it in its queue.
        let q: Value = app.get("/v1/clinic/escalations", Some(&staff)).await.json().await.unwrap();
        assert_eq!(q["items"][0]["severity"], "urgent", "{q}");
        assert_eq!(q["items"].as_array().unwrap().len(), 1, "one check-in, one escalation: {q}");
    }

    async fn the_next_session_downloads_as_the_apis_calendar_file(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        let (status, html) = b.page("/app/next-session").await;
        assert_eq!(status, 200);
        assert!(html.contains("No next session is booked"), "{html}");
        assert_eq!(b.page("/app/next-session.ics").await.0, 404);
        let at = Utc::now() + Duration::days(30);
        assert_eq!(put_session(&app, &staff, &patient, at).await.status(), 200);
        let (status, html) = b.page("/app/next-session").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/app/next-session.ics\""), "{html}");
        let r = b.get("/app/next-session.ics").await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let ics = r.text().await.unwrap();
        assert!(ics.contains("BEGIN:VEVENT") && ics.contains("Appointment at Test Clinic"), "{ics}");
    }

    async fn preferences_are_saved_and_checked(app) {
        let (mut b, _, patient) = signed_in_patient(&app).await;
        let (status, html) = b.page("/app/preferences").await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"21:00\"") && html.contains("Europe/Madrid"), "{html}");
        // A locked screen's text as the notification really shows it; "Time zone" once on screen.
        let sent = shared::push::neutral_text(shared::domain::Locale::En);
        assert!(html.contains(&sent.body) && !html.contains("new message from your clinic"), "{html}");
        assert!(html.contains("<label for=\"timezone\" class=\"visually-hidden\">"), "{html}");
        let r = b.submit("/app/preferences", "/app/preferences", &[
            ("quiet_start", "22:30"), ("quiet_end", "07:00"), ("email", "1"),
            ("preview", "full"), ("locale", "es"), ("timezone", "America/Mexico_City"),
        ]).await;
        assert_eq!(r.status(), 303);
        let (status, html) = b.page(&location(&r)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Guardado."), "now in Spanish: {html}");
        let sent = shared::push::neutral_text(shared::domain::Locale::Es);
        assert!(html.contains(&sent.body), "{html}");
        assert!(html.contains(&format!("<span class=\"brand\">{}</span>", sent.title)), "the app's name as its notifications': {html}");
        let id = shared::domain::PatientId::from(patient.as_str());
        let p = app.db.run(move |c| shared::db::patients::find(c, &id)).await.unwrap();
        assert_eq!(p.quiet_start.as_deref(), Some("22:30"));
        assert!(!p.push_enabled && p.email_enabled);
        assert_eq!(p.lock_screen_preview.as_str(), "full");
        assert_eq!(p.timezone.0.name(), "America/Mexico_City");
        assert_eq!(p.locale.as_str(), "es");

        let r = b.submit("/app/preferences", "/app/preferences", &[
            ("quiet_start", "25:00"), ("quiet_end", "07:00"), ("locale", "es"),
            ("timezone", "Mars/Olympus"), ("preview", "private"),
        ]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("Zona horaria") && html.contains("value=\"Mars/Olympus\""), "{html}");
    }

    async fn devices_are_listed_and_removed(app) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut b = Browser::new(&app);
        let r = crate::app_web::sign_in(&mut b, &patient.email, FIXTURE_PASSWORD).await;
        assert_eq!(r.status(), 303);
        let (status, html) = b.page("/app/devices").await;
        assert_eq!(status, 200);
        assert!(html.contains("No device gets notifications yet"), "{html}");
        let body = json!({"platform": "android", "token": fcm_token("app-web"), "app_version": "1.0.0"});
        let r = app.post_json("/v1/me/devices", Some(&token), &body).await;
        assert_eq!(r.status(), 201);
        let device: Value = r.json().await.unwrap();
        let id = device["id"].as_str().unwrap().to_owned();
        let (status, html) = b.page("/app/devices").await;
        assert_eq!(status, 200);
        assert!(html.contains("Android phone") && html.contains(&format!("/app/devices/{id}/remove")), "{html}");
        // Another patient cannot remove it.
        let (mut other, _, _) = signed_in_patient(&app).await;
        let r = other.submit("/app/devices", &format!("/app/devices/{id}/remove"), &[]).await;
        assert_eq!(r.status(), 404);
        let r = b.submit("/app/devices", &format!("/app/devices/{id}/remove"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page("/app/devices").await;
        assert!(html.contains("No device gets notifications yet"), "{html}");
        let (status, html) = b.page("/app/settings").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/app/notifications\""), "{html}");
    }

    async fn the_export_downloads_and_erasure_needs_a_confirmation(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        let r = b.get("/app/export.json").await;
        assert_eq!(r.status(), 200);
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"aftercare-export-"), "{disposition}");
        let export: Value = r.json().await.unwrap();
        assert_eq!(export["profile"]["given_name"], "Ana", "{export}");

        let (status, html) = b.page("/app/account").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/app/account/erase\""), "{html}");
        // Without the confirmation's field nothing is erased.
        let r = b.submit("/app/account", "/app/account/erase", &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/account/erase");
        assert_eq!(b.get("/app/").await.status(), 200, "still there");
        let r = b.submit("/app/account/erase", "/app/account/erase", &[("confirm", "yes")]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["clear-site-data"], "\"cache\"");
        let html = r.text().await.unwrap();
        assert!(html.contains("Your account is erased"), "{html}");
        assert!(b.cookie("aftercare_app").is_none());
        let id = shared::domain::PatientId::from(patient.as_str());
        let p = app.db.run(move |c| shared::db::patients::find(c, &id)).await.unwrap();
        assert!(p.erased_at.is_some());
        let mut replay = Browser::new(&app);
        assert_eq!(replay.get("/app/").await.status(), 303);
    }
}
