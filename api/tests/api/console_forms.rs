//! Search people expect, the treatment form's course check, and forms that keep what was typed
//! and redirect after a POST, on both backends.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::db::schema::{audit_log, patient_profiles, treatments};
use shared::db::users::User;
use shared::domain::{ClinicId, Locale, PatientId, Role, TimeZone, UserId, UserStatus};

use crate::both_backends;
use crate::console_support::{location, signed_in};
use crate::helpers::TestApp;
use crate::treatments::rfc;

/// A patient of `clinic` written as enrolment writes one (account, then profile), with an
/// email and phone that no search below matches by accident.
async fn patient(
    app: &TestApp,
    clinic: &ClinicId,
    given: &str,
    family: &str,
    phone: Option<&str>,
) -> User {
    let (clinic, given, family, phone) = (
        clinic.clone(),
        given.to_owned(),
        family.to_owned(),
        phone.map(str::to_owned),
    );
    app.db
        .run(move |c| {
            let now = shared::time::now();
            // Letters only: no digit of an email can match a phone search by accident.
            let user = User {
                email: format!("{}.{}@example.test", ascii(&given), ascii(&family)),
                id: UserId::new(),
                clinic_id: clinic.clone(),
                name: format!("{given} {family}"),
                role: Role::Patient,
                status: UserStatus::Active,
                password_hash: None,
                created_at: now,
                updated_at: now,
            };
            shared::db::users::insert(c, &user)?;
            let profile = shared::db::patients::PatientProfile {
                family_name: Some(family),
                phone,
                ..shared::db::patients::PatientProfile::with_defaults(
                    &user.id.as_patient(),
                    &clinic,
                    &given,
                    TimeZone::parse("Europe/Madrid").unwrap(),
                    Locale::En,
                    now,
                )
            };
            shared::db::patients::insert(c, &profile)?;
            Ok(user)
        })
        .await
        .unwrap()
}

/// Letters only, for an email address.
fn ascii(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphabetic).collect()
}

fn shown(html: &str, id: &PatientId) -> bool {
    html.contains(&format!("/console/patients/{id}\""))
}

async fn audit_actions(app: &TestApp, patient: &PatientId) -> Vec<String> {
    let p = patient.clone();
    app.db
        .run(move |c| {
            Ok(audit_log::table
                .filter(audit_log::patient_id.eq(p.as_str()))
                .select(audit_log::action)
                .load::<String>(c)?)
        })
        .await
        .unwrap()
}

async fn treatment_count(app: &TestApp, patient: &PatientId) -> i64 {
    let p = patient.clone();
    app.db
        .run(move |c| {
            Ok(treatments::table
                .filter(treatments::patient_id.eq(p.as_str()))
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap()
}

/// A treatment recorded through the API: session `session` of `planned`, `days_ago` days ago,
/// stamp at 1.5 mm on face and neck with PRP, six weeks apart.
async fn treated(
    app: &TestApp,
    token: &str,
    patient: &PatientId,
    session: i64,
    planned: i64,
    days_ago: i64,
) {
    let body = json!({
        "performed_at": rfc(Utc::now() - Duration::days(days_ago)),
        "areas": ["face", "neck"],
        "needle_depth_mm": 1.5,
        "device": "stamp",
        "combined_with": ["prp"],
        "session_number": session,
        "planned_sessions": planned,
        "interval_weeks": 6,
        "contraindications": [],
    });
    let r = app
        .post_json(
            &format!("/v1/clinic/patients/{patient}/treatments"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// The treatment form's fields for session `session` of 4, performed now (clinic time).
fn form_fields(session: &str) -> Vec<(&'static str, String)> {
    let performed = Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    vec![
        ("performed_at", performed),
        ("areas", "face".into()),
        ("needle_depth_mm", "1,5".into()), // a decimal comma, as typed in Spanish
        ("device", "stamp".into()),
        ("session_number", session.into()),
        ("planned_sessions", "4".into()),
        ("interval_weeks", "6".into()),
        ("notes", "Tolerated well; typed before the warning".into()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

both_backends! {
    async fn search_ignores_accents_case_word_order_and_phone_punctuation(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let gomez = patient(&app, &staff.clinic_id, "Lucía", "Gómez", None).await;
        let rossi = patient(&app, &staff.clinic_id, "Mara", "Rossi", Some("+34 600 111 222")).await;
        let other = patient(&app, &staff.clinic_id, "Straße", "Işık", Some("+44 7700 900123")).await;
        let (gomez, rossi, other) = (gomez.id.as_patient(), rossi.id.as_patient(), other.id.as_patient());

        for (q, hit) in [
            ("gomez", &gomez),
            ("GÓMEZ lucia", &gomez),
            ("rossi+mara", &rossi),
            ("600+111", &rossi),
            ("%2834%29+600-111.222", &rossi),
            ("strasse+isik", &other),
            ("mara.rossi%40example", &rossi),
        ] {
            let (status, html) = b.page(&format!("/console/?q={q}")).await;
            assert_eq!(status, 200);
            assert!(shown(&html, hit), "{q} finds its patient");
            let others = [&gomez, &rossi, &other].into_iter().filter(|p| *p != hit).filter(|p| shown(&html, p)).count();
            assert_eq!(others, 0, "{q} finds only its patient");
        }
        // Every word must match; LIKE's wildcards are plain characters.
        for q in ["rossi+marta", "%25", "_", "600+999"] {
            let (_, html) = b.page(&format!("/console/?q={q}")).await;
            assert!(html.contains("No patients match."), "{q}");
        }
        // The API's list searches the same way.
        let token = app.token_for(&staff);
        let r = app.get("/v1/clinic/patients?q=rossi%20mara", Some(&token)).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{body}");
        assert_eq!(items[0]["id"], rossi.as_str());
    }

    async fn existing_patients_get_their_search_key_at_start_and_erased_ones_none(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let gomez = patient(&app, &staff.clinic_id, "Lucía", "Gómez", Some("600 111 222")).await.id.as_patient();
        let (gone, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = app.request(reqwest::Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert!(r.status().is_success());
        // As a database from before the search key: no key on any row.
        app.db
            .run(|c| {
                diesel::update(patient_profiles::table)
                    .set(patient_profiles::search_key.eq(None::<String>))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let (_, html) = b.page("/console/?q=gomez").await;
        assert!(!shown(&html, &gomez), "no key, no match");

        // Start-up fills them, once.
        let mut conn = app.db.get().unwrap();
        assert_eq!(shared::db::migrate::run_pending(&mut conn).unwrap(), 0);
        assert_eq!(shared::db::patients::backfill_search_keys(&mut conn).unwrap(), 0, "nothing left");
        let keys: Vec<(String, Option<String>)> = patient_profiles::table
            .select((patient_profiles::user_id, patient_profiles::search_key))
            .load(&mut conn)
            .unwrap();
        drop(conn);
        let key_of = |id: &str| keys.iter().find(|(k, _)| k == id).unwrap().1.clone();
        let key = key_of(gomez.as_str()).unwrap();
        assert!(key.starts_with("lucia gomez luca.gmez@example.test"), "{key}");
        assert!(key.ends_with(" 600111222"), "{key}");
        assert_eq!(key_of(gone.id.as_str()).as_deref(), Some(""), "an erased patient has no key");

        for q in ["gomez", "600+111"] {
            let (_, html) = b.page(&format!("/console/?q={q}")).await;
            assert!(shown(&html, &gomez), "{q}");
        }

        // A key a previous release left on an erased patient (it cleared only `search_text`)
        // is emptied; a key written meanwhile is never overwritten by the backfill.
        let mut conn = app.db.get().unwrap();
        diesel::update(patient_profiles::table.find(gone.id.as_str()))
            .set(patient_profiles::search_key.eq(Some("left behind")))
            .execute(&mut conn)
            .unwrap();
        diesel::update(patient_profiles::table.find(gomez.as_str()))
            .set(patient_profiles::search_key.eq(Some("written meanwhile")))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(shared::db::patients::backfill_search_keys(&mut conn).unwrap(), 1);
        let mut key = |id: &str| {
            patient_profiles::table
                .find(id.to_owned())
                .select(patient_profiles::search_key)
                .first::<Option<String>>(&mut conn)
                .unwrap()
        };
        assert_eq!(key(gone.id.as_str()).as_deref(), Some(""));
        assert_eq!(key(gomez.as_str()).as_deref(), Some("written meanwhile"));
    }

    async fn the_treatment_form_continues_the_course_and_names_the_patient(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let mara = patient(&app, &staff.clinic_id, "Mara", "Rossi", None).await.id.as_patient();
        let form = format!("/console/patients/{mara}/treatments/new");

        // A first treatment: the product's defaults, and it says so.
        let (status, html) = b.page(&form).await;
        assert_eq!(status, 200);
        assert!(html.contains("Record a treatment for Mara Rossi"), "{html}");
        assert!(html.contains("<a href=\"/console/patients/"), "crumbs lead to the record");
        assert!(html.contains("this will be the first"));
        assert!(html.contains("id=\"session_number\" name=\"session_number\" inputmode=\"numeric\" value=\"1\""));

        treated(&app, &token, &mara, 1, 4, 30).await;
        let (_, html) = b.page(&form).await;
        assert!(html.contains("session 1 of 4, every 6 weeks"), "{html}");
        assert!(html.contains("name=\"session_number\" inputmode=\"numeric\" value=\"2\""));
        assert!(html.contains("name=\"planned_sessions\" inputmode=\"numeric\" value=\"4\""));
        assert!(html.contains("name=\"interval_weeks\" inputmode=\"numeric\" value=\"6\""));
        assert!(html.contains("name=\"needle_depth_mm\" inputmode=\"decimal\" value=\"1.5\""));
        assert!(html.contains("value=\"face\" checked"));
        assert!(html.contains("value=\"neck\" checked"));
        assert!(!html.contains("value=\"chest\" checked"));
        assert!(html.contains("value=\"stamp\" selected"));
        assert!(html.contains("value=\"prp\" checked"));
        assert!(!html.contains("id=\"course-warnings\""));

        // The suggestion records without a warning.
        let fields = form_fields("2");
        let r = b.submit(&form, &form, &borrowed(&fields)).await;
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with(&format!("/console/patients/{mara}/treatments/")));
        assert!(!audit_actions(&app, &mara).await.contains(&"treatment.warned".to_owned()));
    }

    async fn a_treatment_the_course_check_warns_about_needs_a_confirmation_which_is_audited(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let mara = patient(&app, &staff.clinic_id, "Mara", "Rossi", None).await.id.as_patient();
        let form = format!("/console/patients/{mara}/treatments/new");
        // Session 3 twelve days ago; now session 2 is typed.
        treated(&app, &token, &mara, 3, 4, 12).await;
        let fields = form_fields("2");
        let r = b.submit(&form, &form, &borrowed(&fields)).await;
        assert_eq!(r.status(), 409);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"course-warnings\""), "{html}");
        assert!(html.contains("Session 2 comes before the last recorded session (3)."));
        assert!(html.contains("Only 12 days since the last treatment"));
        assert!(html.contains("Record anyway"));
        let (save, anyway) = (html.find("id=\"save-treatment\"").unwrap(), html.find("id=\"record-anyway\"").unwrap());
        assert!(save < anyway, "Enter in a field checks again rather than confirming");
        assert_eq!(treatment_count(&app, &mara).await, 1, "nothing recorded yet");
        // What was typed is kept, not the suggestion.
        assert!(html.contains("name=\"session_number\" inputmode=\"numeric\" value=\"2\""));
        assert!(html.contains("Tolerated well; typed before the warning"));
        assert!(html.contains("value=\"face\" checked"));
        assert!(!html.contains("value=\"neck\" checked"), "the unticked area stays unticked");
        assert!(!html.contains("value=\"prp\" checked"));
        let codes = html
            .split("name=\"confirm_warnings\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(codes, "session_backwards interval_too_short");

        // A confirmation of fewer warnings than the check finds asks again.
        let mut partial = fields.clone();
        partial.push(("confirm_warnings", "session_backwards".into()));
        let r = b.submit(&form, &form, &borrowed(&partial)).await;
        assert_eq!(r.status(), 409);
        assert_eq!(treatment_count(&app, &mara).await, 1);

        // "Record anyway": recorded, the plan confirms it, the confirmation is audited.
        let mut confirmed = fields.clone();
        confirmed.push(("confirm_warnings", codes));
        let r = b.submit(&form, &form, &borrowed(&confirmed)).await;
        assert_eq!(r.status(), 303);
        let plan = location(&r);
        let (status, html) = b.page(&plan).await;
        assert_eq!(status, 200);
        assert!(html.contains("Treatment recorded"));
        assert_eq!(treatment_count(&app, &mara).await, 2);
        let actions = audit_actions(&app, &mara).await;
        assert!(actions.contains(&"treatment.warned".to_owned()), "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "treatment.create").count(), 2);
    }

    async fn the_api_lists_course_warnings_and_can_be_asked_to_stop_at_them(app) {
        let (staff, token) = app.staff("clinician").await;
        let mara = patient(&app, &staff.clinic_id, "Mara", "Rossi", None).await.id.as_patient();
        treated(&app, &token, &mara, 3, 4, 12).await;
        let path = format!("/v1/clinic/patients/{mara}/treatments");
        let mut body = crate::treatments::treatment_body(2);
        body["planned_sessions"] = json!(4);

        body["confirm_warnings"] = json!(false);
        let r = app.post_json(&path, Some(&token), &body).await;
        let problem = crate::helpers::problem(r, 409).await;
        assert!(problem["detail"].as_str().unwrap().contains("session 2 comes before"), "{problem}");
        assert_eq!(treatment_count(&app, &mara).await, 1);

        body["confirm_warnings"] = json!(true);
        let r = app.post_json(&path, Some(&token), &body).await;
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        let codes: Vec<&str> = created["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["session_backwards", "interval_too_short"], "{created}");
        assert!(audit_actions(&app, &mara).await.contains(&"treatment.warned".to_owned()));

        // Without the field (v1 callers): recorded, the warnings listed (session 2 again).
        body.as_object_mut().unwrap().remove("confirm_warnings");
        let created: Value = app.post_json(&path, Some(&token), &body).await.json().await.unwrap();
        assert_eq!(created["warnings"][0]["code"], "session_repeated", "{created}");
        assert_eq!(treatment_count(&app, &mara).await, 3);
    }

    async fn a_refused_booking_keeps_the_typed_time_and_success_redirects_with_a_confirmation(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let mara = patient(&app, &staff.clinic_id, "Mara", "Rossi", None).await.id.as_patient();
        let record = format!("/console/patients/{mara}");
        let book = format!("{record}/next-session");

        for (typed, error) in [
            ("2001-01-01T10:00", "must be in the future"),
            ("next tuesday", "must be a date and a time"),
        ] {
            let r = b.submit(&record, &book, &[("starts_at", typed)]).await;
            assert_eq!(r.status(), 422);
            let html = r.text().await.unwrap();
            assert!(html.contains(&format!("id=\"starts_at\" name=\"starts_at\" type=\"datetime-local\" required value=\"{typed}\"")), "{typed} kept: {html}");
            assert!(html.contains(&format!("id=\"starts_at-error\">{error}")), "{html}");
            assert!(html.contains("aria-invalid=\"true\""));
        }

        let when = (Utc::now() + Duration::days(10))
            .with_timezone(&chrono_tz::Europe::Madrid)
            .format("%Y-%m-%dT10:30")
            .to_string();
        let r = b.submit(&record, &book, &[("starts_at", when.as_str())]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{record}?done=booked"));
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Next session booked."), "{html}");
        let (_, html) = b.page(&record).await;
        assert!(!html.contains("Next session booked."), "the confirmation is the redirect's only");
        let (_, html) = b.page(&format!("{record}?done=%3Cscript%3E")).await;
        assert!(!html.contains("<script>"), "an unknown confirmation shows nothing");

        let r = b.submit(&record, &format!("{book}/cancel"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Next session cancelled"));

        let discharge = format!("{record}/discharge");
        let r = b.submit(&discharge, &discharge, &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{record}?done=discharged"));
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Patient discharged."));
    }

    async fn the_form_pages_speak_spanish(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let mara = patient(&app, &staff.clinic_id, "Mara", "Rossi", None).await.id.as_patient();
        treated(&app, &token, &mara, 3, 4, 12).await;
        let r = b.submit("/console/", "/console/language", &[("lang", "es"), ("back", "/console/")]).await;
        assert_eq!(r.status(), 303);
        let form = format!("/console/patients/{mara}/treatments/new");
        let (_, html) = b.page(&form).await;
        assert!(html.contains("Registrar un tratamiento de Mara Rossi"), "{html}");
        let fields = form_fields("2");
        let r = b.submit(&form, &form, &borrowed(&fields)).await;
        let html = r.text().await.unwrap();
        assert!(html.contains("Registrar de todos modos"));
        assert!(html.contains("Solo han pasado 12 días"));
    }
}
