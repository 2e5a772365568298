//! `GET /v1/me/next-session.ics`: the booked session as an RFC 5545 file, read back by an
//! independent parser (the `ical` crate).

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{put_session, record, treatment_body};

/// Commas, semicolons, a backslash and letters of several scripts: all of it must survive
/// escaping and folding.
const CLINIC: &str =
    "Clínica São João, Piel; Láser y Más — Ærøskøbing Ñandú Straße \\ Дерматология 皮膚科";

async fn book(app: &TestApp, token: &str, patient: &str, at: chrono::DateTime<Utc>) {
    assert_eq!(put_session(app, token, patient, at).await.status(), 200);
}

/// RFC 5545 §3.3.11, undone.
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

async fn ics(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("/v1/me/next-session.ics", Some(token)).await
}

both_backends! {
    async fn the_booked_session_is_one_event_that_parses_back(app) {
        let clinic = app.db.run(|c| Ok(shared::testing::fixtures::clinic(c, CLINIC))).await.unwrap();
        let (_, staff) = app.staff_in(&clinic.id, "clinician").await;
        let (patient, token) = app.patient_in(&clinic.id, "Europe/Madrid").await;
        let pid = patient.id.to_string();

        // Nothing booked yet.
        problem(ics(&app, &token).await, 404).await;

        record(&app, &staff, &pid, &treatment_body(1)).await;
        let at = (Utc::now() + Duration::days(21)).with_timezone(&Utc);
        book(&app, &staff, &pid, at).await;

        let resp = ics(&app, &token).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/calendar; charset=utf-8");
        assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let bytes = resp.bytes().await.unwrap();
        // Folding never splits a UTF-8 sequence: the whole file is valid UTF-8.
        let text = String::from_utf8(bytes.to_vec()).expect("valid UTF-8");
        eprintln!("{text}");
        assert!(text.ends_with("\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in {text:?}");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        assert!(text.contains("\r\n "), "the long SUMMARY is folded");
        let lower = text.to_lowercase();
        for word in ["microneedl", "treatment", "aftercare", "skin"] {
            assert!(!lower.contains(word), "health word {word:?} in the calendar");
        }

        let parsed: Vec<_> = ical::IcalParser::new(text.as_bytes()).collect::<Result<_, _>>().unwrap();
        assert_eq!(parsed.len(), 1);
        let events = &parsed[0].events;
        assert_eq!(events.len(), 1);
        let prop = |name: &str| {
            events[0].properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone())
                .unwrap_or_else(|| panic!("no {name}"))
        };
        assert_eq!(unescape(&prop("SUMMARY")), format!("Appointment at {CLINIC}"));
        let location = unescape(&prop("LOCATION"));
        assert!(location.contains(CLINIC) && location.contains("+34 600 000 000"), "{location}");
        let start = at.format("%Y%m%dT%H%M%SZ").to_string();
        assert_eq!(prop("DTSTART"), start);
        assert_eq!(prop("DTEND"), (at + Duration::minutes(60)).format("%Y%m%dT%H%M%SZ").to_string());
        assert!(prop("DTSTAMP").ends_with('Z'));
        let uid = prop("UID");
        assert!(uid.ends_with("@127.0.0.1:8080"), "{uid}");

        assert_eq!(prop("SEQUENCE"), "0");

        // Stable: the same booking is the same event.
        let again = ics(&app, &token).await.text().await.unwrap();
        assert!(again.contains(&format!("UID:{uid}")));

        // Moved: still the same event (a calendar importing it again updates it rather than
        // adding a second), one revision on (RFC 5545 §3.8.7.4), at the new time.
        let later = at + Duration::days(2);
        book(&app, &staff, &pid, later).await;
        let moved = ics(&app, &token).await.text().await.unwrap();
        let parsed: Vec<_> = ical::IcalParser::new(moved.as_bytes()).collect::<Result<_, _>>().unwrap();
        let event = &parsed[0].events[0];
        let value = |name: &str| event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone());
        assert_eq!(value("UID").as_deref(), Some(uid.as_str()), "{moved}");
        assert_eq!(value("SEQUENCE").as_deref(), Some("1"), "{moved}");
        assert_eq!(value("DTSTART"), Some(later.format("%Y%m%dT%H%M%SZ").to_string()));
        // DTSTAMP is the move's time, as stored (§3.8.7.2: the last change).
        let patient_id = patient.id.as_patient();
        let stored = app.db.run(move |c| shared::db::bookings::live(c, &patient_id)).await.unwrap().unwrap();
        let moved_at = stored.moved_at.expect("the move is recorded");
        assert_eq!(value("DTSTAMP"), Some(moved_at.format("%Y%m%dT%H%M%SZ").to_string()), "{moved}");

        // The clinic cancels: no calendar any more.
        let r = app
            .request(Method::DELETE, &format!("/v1/clinic/patients/{pid}/next-session"), Some(&staff))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        problem(ics(&app, &token).await, 404).await;
    }

    async fn the_calendar_speaks_the_patients_language(app) {
        let (staff_user, staff) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff_user.clinic_id, "Europe/Madrid").await;
        let pid = patient.id.to_string();
        let r = app.request(Method::PATCH, "/v1/me", Some(&token)).json(&json!({"locale": "es"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        record(&app, &staff, &pid, &treatment_body(1)).await;
        book(&app, &staff, &pid, Utc::now() + Duration::days(30)).await;
        let text = ics(&app, &token).await.text().await.unwrap();
        assert!(text.contains("SUMMARY:Cita en Test Clinic"), "{text}");
    }

    async fn staff_cannot_use_the_patients_routes(app) {
        let (_, staff) = app.staff("clinic_admin").await;
        problem(ics(&app, &staff).await, 403).await;
        problem(app.get("/v1/me/export", Some(&staff)).await, 403).await;
        let r = app.request(Method::DELETE, "/v1/me", Some(&staff)).send().await.unwrap();
        problem(r, 403).await;
        problem(ics(&app, "not-a-token").await, 401).await;
    }
}
