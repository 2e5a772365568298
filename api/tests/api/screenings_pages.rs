//! Pre-visit screenings on the pages: the app's questions before a booked session (a card on
//! Today, a button on the session's prompts, the answer with the clinic's phone when something
//! was reported), and the console's flag on the roster and the record and its list of
//! tomorrow's sessions with each patient's state.

use chrono::{Duration, NaiveDateTime, TimeZone as _, Utc};
use shared::domain::{BookingId, ClinicId, Contraindication, PatientId, UserId};

use crate::app_web::signed_in_patient;
use crate::both_backends;
use crate::console_support::{location, patient_named, signed_in};
use crate::helpers::TestApp;
use crate::treatments::{put_session, record, rows, treatment_body};

/// A live booking written straight to the database (the console's tests need several on one
/// day, whatever the hour they run at).
async fn book(
    app: &TestApp,
    clinic: &ClinicId,
    patient: &PatientId,
    by: &UserId,
    at: NaiveDateTime,
) -> BookingId {
    let b = shared::db::bookings::Booking {
        id: BookingId::new(),
        clinic_id: clinic.clone(),
        patient_id: patient.clone(),
        starts_at: at,
        created_by: by.clone(),
        created_at: shared::time::now(),
        cancelled_at: None,
        revision: 0,
        moved_at: None,
    };
    let id = b.id.clone();
    app.db
        .run(move |c| shared::db::bookings::insert(c, &b))
        .await
        .unwrap();
    id
}

/// `day` days after today in Madrid (the fixture clinic's zone), at `hour`:00 local, as UTC.
pub fn madrid(day: i64, hour: u32) -> NaiveDateTime {
    let tz = chrono_tz::Europe::Madrid;
    let date = Utc::now().with_timezone(&tz).date_naive() + Duration::days(day);
    tz.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .naive_utc()
}

async fn answer(
    app: &TestApp,
    patient: &PatientId,
    codes: Vec<Contraindication>,
    notes: Option<&str>,
) {
    let form = shared::care::screenings::ScreeningForm {
        contraindications: codes,
        notes: notes.map(str::to_owned),
    };
    shared::care::screenings::record(&app.db, patient, form, shared::time::now())
        .await
        .unwrap();
}

both_backends! {
    async fn the_app_asks_before_the_session_and_answers_with_the_clinics_phone(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        let (status, html) = b.page("/app/screening").await;
        assert_eq!(status, 200);
        assert!(html.contains("No session is booked"), "{html}");
        let r = b.submit("/app/screening", "/app/screening", &[("none", "yes")]).await;
        assert_eq!(r.status(), 409);

        record(&app, &staff, &patient, &treatment_body(1)).await;
        put_session(&app, &staff, &patient, Utc::now() + Duration::days(5)).await;
        let (_, html) = b.page("/app/screening").await;
        assert!(html.contains("These questions open on"), "{html}");
        assert!(!b.page("/app/").await.1.contains("screening-card"), "not yet");

        put_session(&app, &staff, &patient, Utc::now() + Duration::hours(30)).await;
        let (_, today) = b.page("/app/").await;
        assert!(today.contains("id=\"screening-card\"") && today.contains("href=\"/app/screening\""), "{today}");
        let (status, html) = b.page("/app/screening").await;
        assert_eq!(status, 200);
        for words in ["I have a cold sore", "sunburnt", "I am pregnant, or I might be", "None of these is true for me"] {
            assert!(html.contains(words), "{words}: {html}");
        }
        assert_eq!(html.matches("name=\"ci\"").count(), 9);
        // Nothing ticked, or "none" with something else: the form again, said plainly.
        let r = b.submit("/app/screening", "/app/screening", &[]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Tick what is true for you"));
        let r = b.submit("/app/screening", "/app/screening", &[("none", "yes"), ("ci", "sunburn")]).await;
        assert_eq!(r.status(), 422);
        let r = b.submit("/app/screening", "/app/screening", &[("ci", "eczema")]).await;
        assert_eq!(r.status(), 422, "only the questions asked");
        let long = "x".repeat(1001);
        let r = b.submit("/app/screening", "/app/screening", &[("none", "yes"), ("notes", long.as_str())]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("1,000 characters or fewer"));
        // Without the form's token: refused.
        assert_eq!(b.post("/app/screening", &[("none", "yes")]).await.status(), 403);

        let r = b.submit("/app/screening", "/app/screening", &[("ci", "cold_sores"), ("ci", "pregnancy"), ("notes", "Tingling since yesterday")]).await;
        assert_eq!(r.status(), 303, "post/redirect/get");
        assert_eq!(location(&r), "/app/screening/answer");
        let (status, html) = b.page("/app/screening/answer").await;
        assert_eq!(status, 200);
        assert!(html.contains("Your clinic will look at your answers before your session."), "{html}");
        assert!(html.contains("id=\"call-clinic-now\" href=\"tel:+34600000000\""), "{html}");
        assert!(html.contains("I am pregnant") && html.contains("Tingling since yesterday"), "{html}");
        assert!(!b.page("/app/").await.1.contains("screening-card"), "answered: no card");
        // The form again: the answers as given, and when.
        let (_, html) = b.page("/app/screening").await;
        assert!(html.contains("id=\"answered\"") && html.contains("value=\"cold_sores\" checked"), "{html}");

        // The session's own prompts lead to the questions.
        let booked: Vec<_> = rows(&app, &patient).await.into_iter()
            .filter(|p| p.booking_id.is_some() && p.cancelled_at.is_none()).collect();
        assert!(!booked.is_empty());
        let (_, html) = b.page(&format!("/app/prompts/{}", booked[0].id)).await;
        assert!(html.contains("id=\"prompt-screening\"") && html.contains("Change my answers"), "{html}");

        // A newer answer: nothing applies any more.
        let r = b.submit("/app/screening", "/app/screening", &[("none", "yes")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page("/app/screening/answer").await;
        assert!(html.contains("Nothing to report") && !html.contains("call-clinic-now"), "{html}");
    }

    async fn the_console_flags_the_session_and_lists_tomorrow(app) {
        let (mut b, nurse) = signed_in(&app, "clinician").await;
        let clinic = ClinicId::from(nurse.clinic_id.as_str());
        let ana = patient_named(&app, &clinic, "Ana", "Flagged").await.id.as_patient();
        let bea = patient_named(&app, &clinic, "Bea", "Clear").await.id.as_patient();
        let cai = patient_named(&app, &clinic, "Cai", "Silent").await.id.as_patient();
        let dan = patient_named(&app, &clinic, "Dan", "Later").await.id.as_patient();
        book(&app, &clinic, &bea, &nurse.id, madrid(1, 10)).await;
        book(&app, &clinic, &ana, &nurse.id, madrid(1, 9)).await;
        book(&app, &clinic, &cai, &nurse.id, madrid(1, 11)).await;
        book(&app, &clinic, &dan, &nurse.id, madrid(2, 9)).await;
        answer(&app, &ana, vec![Contraindication::ColdSores, Contraindication::Sunburn], Some("Sore lip")).await;
        answer(&app, &bea, vec![], None).await;

        let (status, html) = b.page("/console/tomorrow").await;
        assert_eq!(status, 200);
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} in {html}"));
        assert!(at("Ana Flagged") < at("Bea Clear") && at("Bea Clear") < at("Cai Silent"), "by time");
        assert!(!html.contains("Dan Later"), "the day after is not tomorrow");
        assert!(html.contains("⚠ Reported: Cold sores, Sunburn"), "{html}");
        assert!(html.contains("Patient&#39;s note: Sore lip"), "{html}");
        assert!(html.contains("✓ Nothing to report") && html.contains("– Not answered yet"), "{html}");
        assert!(html.contains("1 to check · 1 clear · 1 not answered"), "{html}");
        assert!(html.contains(&format!("href=\"/console/patients/{ana}\"")), "{html}");
        assert!(html.contains("href=\"/console/tomorrow\""), "in the navigation");

        // The roster flags Ana's row only; her record shows the answers.
        let (_, roster) = b.page("/console/").await;
        assert_eq!(roster.matches("Check answers before the session").count(), 1, "{roster}");
        assert!(roster.contains(&format!("/console/patients/{ana}#screenings-h")), "{roster}");
        let (_, rec) = b.page(&format!("/console/patients/{ana}")).await;
        assert!(rec.contains("id=\"screening-flag\"") && rec.contains("⚠ Reported: Cold sores, Sunburn"), "{rec}");
        let (_, rec) = b.page(&format!("/console/patients/{cai}")).await;
        assert!(!rec.contains("id=\"screening-flag\"") && rec.contains("– Not answered yet"), "{rec}");

        // In Spanish.
        b.submit("/console/tomorrow", "/console/language", &[("lang", "es"), ("back", "/console/tomorrow")]).await;
        let (_, html) = b.page("/console/tomorrow").await;
        assert!(html.contains("Sesiones de mañana"), "{html}");

        // Another clinic sees none of it.
        let (mut other, _) = signed_in(&app, "clinician").await;
        let (_, html) = other.page("/console/tomorrow").await;
        assert!(!html.contains("Ana Flagged") && html.contains("No sessions are booked for tomorrow."), "{html}");
    }

    async fn a_moved_session_is_asked_about_again(app) {
        let (mut b, staff, patient) = signed_in_patient(&app).await;
        record(&app, &staff, &patient, &treatment_body(1)).await;
        put_session(&app, &staff, &patient, Utc::now() + Duration::hours(30)).await;
        let r = b.submit("/app/screening", "/app/screening", &[("ci", "sunburn")]).await;
        assert_eq!(r.status(), 303);
        assert!(!b.page("/app/").await.1.contains("screening-card"), "answered");

        // The clinic moves the session: the earlier answer was about another time.
        put_session(&app, &staff, &patient, Utc::now() + Duration::hours(32)).await;
        let (_, today) = b.page("/app/").await;
        assert!(today.contains("id=\"screening-card\""), "asked again: {today}");
        let (_, html) = b.page("/app/screening").await;
        assert!(!html.contains("id=\"answered\"") && !html.contains("value=\"sunburn\" checked"), "a fresh form: {html}");
    }

    async fn the_console_does_not_count_an_answer_about_an_earlier_time(app) {
        let (mut b, nurse) = signed_in(&app, "clinician").await;
        let clinic = ClinicId::from(nurse.clinic_id.as_str());
        let ana = patient_named(&app, &clinic, "Ana", "Moved").await.id.as_patient();
        book(&app, &clinic, &ana, &nurse.id, madrid(1, 9)).await;
        answer(&app, &ana, vec![Contraindication::ColdSores], None).await;
        let (_, html) = b.page("/console/tomorrow").await;
        assert!(html.contains("⚠ Reported: Cold sores"), "{html}");

        let moved = ana.clone();
        app.db
            .run(move |c| {
                let live = shared::db::bookings::live(c, &moved)?.unwrap();
                shared::db::bookings::move_live(c, &live, madrid(1, 12), shared::time::now())
            })
            .await
            .unwrap();
        let (_, html) = b.page("/console/tomorrow").await;
        assert!(html.contains("– Not answered yet") && !html.contains("⚠ Reported"), "{html}");
        assert!(html.contains("0 to check · 0 clear · 1 not answered"), "{html}");
        let (_, roster) = b.page("/console/").await;
        assert!(!roster.contains("Check answers before the session"), "{roster}");
        let (_, rec) = b.page(&format!("/console/patients/{ana}")).await;
        assert!(!rec.contains("id=\"screening-flag\"") && rec.contains("– Not answered yet"), "{rec}");
        // The earlier answer stays in the history, marked as about the earlier time.
        assert!(rec.contains("⚠ Reported: Cold sores") && rec.contains("before the session was moved"), "{rec}");

        // Answering again counts.
        answer(&app, &ana, vec![], None).await;
        let (_, html) = b.page("/console/tomorrow").await;
        assert!(html.contains("0 to check · 1 clear · 0 not answered"), "{html}");
    }
}
