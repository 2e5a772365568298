//! Human words on the console: stored codes shown as labels (roster, patient record, plan,
//! staff, audit), the audit log by name with its patient picker, one audit entry per list view
//! (console and API alike), and adherence figures.

use chrono::Duration;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::db::schema::{audit_log, prompts, users};
use shared::db::users::User;
use shared::domain::ClinicId;
use shared::time::now;

use crate::both_backends;
use crate::console_support::{patient_named, signed_in};
use crate::helpers::TestApp;

/// The text a person sees: the page without its tags (attribute values and ids in links are
/// not shown), whitespace collapsed.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The part of a page from `start` to the next `</section>`.
fn section<'a>(html: &'a str, start: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// Codes that must never be read on a page.
const CODES: &[&str] = &[
    "spreading_redness",
    "warning_signs",
    "check_in",
    "session_reminder",
    "APNs",
    "Unregistered",
    "clinic_admin",
    "patient.read",
    "patient.list",
    "escalation.list",
];

/// No code in the visible text of `html`, and no table cell reading the `log` channel.
fn assert_no_codes(html: &str, what: &str) {
    let text = visible(html);
    for code in CODES {
        assert!(!text.contains(code), "{what} shows the code {code}: {text}");
    }
    assert!(
        !html.contains(">log<"),
        "{what} shows the channel code: {html}"
    );
}

async fn rename(app: &TestApp, user: &User, name: &str) {
    let (id, name) = (user.id.clone(), name.to_owned());
    app.db
        .run(move |c| {
            diesel::update(users::table.find(id.as_str()))
                .set(users::name.eq(name))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Records a treatment an hour ago through the API; returns the patient's prompt ids, earliest
/// first.
async fn treat(app: &TestApp, clinic: &ClinicId, patient: &User) -> Vec<String> {
    let (_, token) = app.staff_in(clinic, "clinician").await;
    let body = json!({
        "performed_at": (chrono::Utc::now() - Duration::hours(1)).to_rfc3339(),
        "areas": ["face", "neck"], "needle_depth_mm": 1.0, "device": "pen",
        "combined_with": ["prp"], "session_number": 1, "planned_sessions": 3,
        "interval_weeks": 4, "contraindications": ["rosacea"],
        "override_reason": "Stable for a year"
    });
    let r = app
        .post_json(
            &format!("/v1/clinic/patients/{}/treatments", patient.id),
            Some(&token),
            &body,
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let pid = patient.id.to_string();
    app.db
        .run(move |c| {
            Ok(prompts::table
                .filter(prompts::patient_id.eq(pid))
                .order(prompts::due_at.asc())
                .select(prompts::id)
                .load::<String>(c)?)
        })
        .await
        .unwrap()
}

/// Makes `id` a prompt of the past, delivered through `channel` (or failed with `error`).
async fn delivered(app: &TestApp, id: &str, hours_ago: i64, outcome: Result<&str, &str>) {
    let (id, outcome) = (
        id.to_owned(),
        outcome.map(str::to_owned).map_err(str::to_owned),
    );
    app.db
        .run(move |c| {
            let at = now() - Duration::hours(hours_ago);
            let row = prompts::table.find(&id);
            match outcome {
                Ok(channel) => diesel::update(row)
                    .set((
                        prompts::status.eq("sent"),
                        prompts::channel.eq(Some(channel)),
                        prompts::due_at.eq(at),
                        prompts::sent_at.eq(Some(at)),
                    ))
                    .execute(c)?,
                Err(error) => diesel::update(row)
                    .set((
                        prompts::status.eq("failed"),
                        prompts::due_at.eq(at),
                        prompts::last_error.eq(Some(error)),
                    ))
                    .execute(c)?,
            };
            Ok(())
        })
        .await
        .unwrap();
}

async fn ack(app: &TestApp, patient: &User, prompt: &str) {
    let token = app.token_for(patient);
    let r = app
        .request(
            Method::POST,
            &format!("/v1/me/prompts/{prompt}/ack"),
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// The clinic's audit entries of `action`: `(patient_id, subject_ids)`.
async fn entries(
    app: &TestApp,
    clinic: &ClinicId,
    action: &str,
) -> Vec<(Option<String>, Option<String>)> {
    let (clinic, action) = (clinic.to_string(), action.to_owned());
    app.db
        .run(move |c| {
            Ok(audit_log::table
                .filter(audit_log::clinic_id.eq(clinic))
                .filter(audit_log::action.eq(action))
                .select((audit_log::patient_id, audit_log::subject_ids))
                .load(c)?)
        })
        .await
        .unwrap()
}

both_backends! {
    async fn record_roster_plan_and_staff_pages_show_words_not_codes(app) {
        let (mut b, admin) = signed_in(&app, "clinic_admin").await;
        rename(&app, &admin, "Rosa Martín").await;
        let marta = patient_named(&app, &admin.clinic_id, "Marta", "Ruiz").await;
        let ids = treat(&app, &admin.clinic_id, &marta).await;
        delivered(&app, &ids[0], 5, Err("APNs 410 Unregistered: the device token is no longer valid")).await;
        delivered(&app, &ids[1], 4, Ok("log")).await;
        delivered(&app, &ids[2], 3, Ok("apns")).await;

        // Her iPhone was registered, then APNs said the token is gone; her Android phone is live.
        let patient_token = app.token_for(&marta);
        let token = crate::helpers::apns_token(marta.id.as_str());
        for body in [json!({"platform": "ios", "token": token, "app_version": "2.1.0"}),
                     json!({"platform": "android", "token": crate::helpers::fcm_token(marta.id.as_str())})] {
            let r = app.post_json("/v1/me/devices", Some(&patient_token), &body).await;
            assert_eq!(r.status(), 201);
        }
        let pid = marta.id.to_string();
        app.db.run(move |c| {
            use shared::db::schema::devices;
            diesel::update(devices::table.filter(devices::patient_id.eq(pid)).filter(devices::platform.eq("ios")))
                .set((devices::active.eq(false), devices::last_error.eq(Some("Unregistered"))))
                .execute(c)?;
            Ok(())
        }).await.unwrap();

        let (status, html) = b.page(&format!("/console/patients/{}", marta.id)).await;
        assert_eq!(status, 200);
        let phones_html = section(&html, "aria-labelledby=\"devices-h\"");
        assert_no_codes(phones_html, "the phones");
        let phones = visible(phones_html);
        assert!(phones.contains("iPhone") && phones.contains("Push notification (iPhone)") && phones.contains("2.1.0"), "{phones}");
        assert!(phones.contains("The patient's phone no longer accepts notifications from the app"), "{phones}");
        assert!(phones.contains("Android") && phones.contains("Receiving notifications"), "{phones}");
        assert!(!html.contains(&token), "the token is never shown");
        let timeline_html = section(&html, "aria-labelledby=\"timeline-h\"");
        assert_no_codes(timeline_html, "the timeline");
        let timeline = visible(timeline_html);
        assert!(timeline.contains("The patient's phone no longer accepts notifications from the app"), "{timeline}");
        assert!(timeline.contains("Not sent (no delivery set up)"), "{timeline}");
        assert!(timeline.contains("Push notification (iPhone)"), "{timeline}");
        assert!(timeline.contains("Not delivered") && timeline.contains("Scheduled"), "{timeline}");
        assert!(timeline.contains("Check-in request") || timeline.contains("Aftercare advice"), "{timeline}");
        let treatments = visible(section(&html, "aria-labelledby=\"treat-h\""));
        assert!(treatments.contains("Face, Neck + PRP (platelet-rich plasma)"), "{treatments}");
        assert!(treatments.contains("Microneedling pen") && treatments.contains("Rosacea"), "{treatments}");
        let cells = section(&html, "aria-labelledby=\"treat-h\"");
        for code in [">pen<", ">rosacea<", ">face, neck<", "prp"] {
            assert!(!cells.contains(code), "{code}: {cells}");
        }
        let profile = visible(section(&html, "aria-labelledby=\"profile-h\""));
        assert!(profile.contains("English") && !profile.contains(" en "), "{profile}");
        assert!(!html.contains("APNs 410"), "the raw provider text is nowhere in the page");

        let (_, html) = b.page("/console/").await;
        assert_no_codes(&html, "the roster");
        let roster = visible(&html);
        assert!(roster.contains("Marta Ruiz") && roster.contains("Active"), "{roster}");

        let treatment = html_plan_link(&app, &marta).await;
        let (status, html) = b.page(&treatment).await;
        assert_eq!(status, 200);
        assert_no_codes(&html, "the plan");
        let plan = visible(&html);
        assert!(plan.contains("Marta Ruiz") && plan.contains("Scheduled"), "{plan}");

        let (_, html) = b.page("/console/staff").await;
        // (The fixtures' emails start with their role's code, so the cells are checked.)
        let staff_html = section(&html, "id=\"staff\"");
        for code in [">clinic_admin<", ">clinician<", ">active<", ">invited<", ">disabled<"] {
            assert!(!staff_html.contains(code), "{code}: {staff_html}");
        }
        let staff = visible(staff_html);
        assert!(staff.contains("Clinic admin") && staff.contains("Active"), "{staff}");

        // In Spanish too.
        let r = b.app.client.get(format!("{}/console/patients/{}", app.address, marta.id))
            .header("cookie", format!("aftercare_console={}", b.cookie("aftercare_console").unwrap_or_default()))
            .header("accept-language", "es")
            .send().await.unwrap();
        let html = r.text().await.unwrap();
        let timeline = visible(section(&html, "aria-labelledby=\"timeline-h\""));
        assert!(timeline.contains("El teléfono del paciente ya no acepta notificaciones"), "{timeline}");
        assert!(timeline.contains("No enviado (sin envío configurado)"), "{timeline}");
    }

    async fn adherence_is_the_share_of_delivered_prompts_the_patient_acknowledged(app) {
        let (mut b, admin) = signed_in(&app, "clinic_admin").await;
        let marta = patient_named(&app, &admin.clinic_id, "Marta", "Ruiz").await;
        let ids = treat(&app, &admin.clinic_id, &marta).await;
        for (i, id) in ids.iter().take(4).enumerate() {
            delivered(&app, id, 10 - i as i64, Ok("fcm")).await;
        }
        delivered(&app, &ids[4], 5, Err("UNREGISTERED")).await;
        ack(&app, &marta, &ids[1]).await;

        // One of four delivered prompts acknowledged; the failed one did not reach her.
        let (_, html) = b.page("/console/").await;
        assert!(visible(&html).contains("25%"), "{}", visible(&html));
        let (_, token) = app.staff_in(&admin.clinic_id, "clinician").await;
        let page: Value = app.get("/v1/clinic/patients", Some(&token)).await.json().await.unwrap();
        assert_eq!(page["items"][0]["adherence"].as_f64(), Some(0.25));

        // She read the failed one in the app and another one before it was sent: both count.
        ack(&app, &marta, &ids[4]).await;
        ack(&app, &marta, &ids[6]).await;
        let page: Value = app.get("/v1/clinic/patients", Some(&token)).await.json().await.unwrap();
        assert_eq!(page["items"][0]["adherence"].as_f64(), Some(0.5), "3 of 6");
        let (_, html) = b.page("/console/?low=1").await;
        assert!(!visible(&html).contains("Marta Ruiz"), "50% is not low: {}", visible(&html));
    }

    async fn a_list_view_is_one_audit_entry_naming_the_patients_shown(app) {
        let (mut b, admin) = signed_in(&app, "clinic_admin").await;
        rename(&app, &admin, "Rosa Martín").await;
        let mut shown = Vec::new();
        for (given, family) in [("Marta", "Ruiz"), ("Lucía", "Gómez"), ("Ana", "Sanz")] {
            shown.push(patient_named(&app, &admin.clinic_id, given, family).await);
        }
        assert_eq!(b.page("/console/").await.0, 200);
        let list = entries(&app, &admin.clinic_id, "patient.list").await;
        assert_eq!(list.len(), 1, "one entry for one roster view: {list:?}");
        let (patient, subjects) = &list[0];
        assert!(patient.is_none());
        let subjects: Vec<String> = serde_json::from_str(subjects.as_deref().unwrap()).unwrap();
        assert_eq!(subjects.len(), 3);
        for p in &shown {
            assert!(subjects.contains(&p.id.to_string()));
        }

        // The API's list is audited the same way, and the patient filter finds both views.
        let (_, admin_token) = app.staff_in(&admin.clinic_id, "clinic_admin").await;
        let page: Value = app.get("/v1/clinic/patients", Some(&admin_token)).await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 3);
        assert_eq!(entries(&app, &admin.clinic_id, "patient.list").await.len(), 2);
        let marta = &shown[0];
        let log: Value = app
            .get(&format!("/v1/clinic/audit?patient_id={}", marta.id), Some(&admin_token))
            .await.json().await.unwrap();
        let items = log["items"].as_array().unwrap();
        let views: Vec<&Value> = items.iter().filter(|e| e["action"] == "patient.list").collect();
        assert_eq!(views.len(), 2, "{log}");
        for v in views {
            assert_eq!(v["patient_id"], marta.id.as_str());
            assert_eq!(v["patient_ids"].as_array().unwrap().len(), 3);
        }
        let all: Value = app.get("/v1/clinic/audit", Some(&admin_token)).await.json().await.unwrap();
        assert!(all["items"].as_array().unwrap().iter()
            .filter(|e| e["action"] == "patient.list")
            .all(|e| e["patient_id"].is_null() && e["patient_ids"].as_array().unwrap().len() == 3));

        // Text that is not an id finds no list view (a `,` is inside every list of two).
        let (_, html) = b.page("/console/audit?patient_id=%2C").await;
        assert!(!visible(&html).contains("(with 2 others)"));

        // The console's patient filter finds the list views too.
        let (_, html) = b.page(&format!("/console/audit?patient_id={}", marta.id)).await;
        let text = visible(&html);
        assert!(text.contains("Viewed the patient list"), "{text}");
        assert!(text.contains("Marta Ruiz (with 2 others)"), "{text}");
        // Reading the audit log writes no entry per row shown.
        assert_eq!(entries(&app, &admin.clinic_id, "patient.list").await.len(), 2);

        // The escalation queue too: two patients' escalations, one entry naming both.
        for p in &shown[..2] {
            treat(&app, &admin.clinic_id, p).await;
            let body = json!({"redness": 8, "swelling": 5, "pain": 6, "peeling": false, "symptoms": ["pus"]});
            let r = app.post_json("/v1/me/check-ins", Some(&app.token_for(p)), &body).await;
            assert_eq!(r.status(), 201);
        }
        let queue: Value = app.get("/v1/clinic/escalations", Some(&admin_token)).await.json().await.unwrap();
        assert_eq!(queue["items"].as_array().unwrap().len(), 2, "{queue}");
        let views = entries(&app, &admin.clinic_id, "escalation.list").await;
        assert_eq!(views.len(), 1, "{views:?}");
        let subjects: Vec<String> = serde_json::from_str(views[0].1.as_deref().unwrap()).unwrap();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
    }

    async fn the_audit_log_names_people_and_filters_by_a_picked_patient(app) {
        let (mut b, admin) = signed_in(&app, "clinic_admin").await;
        rename(&app, &admin, "Rosa Martín").await;
        let marta = patient_named(&app, &admin.clinic_id, "Marta", "Ruiz").await;
        let other = patient_named(&app, &admin.clinic_id, "Óscar", "Vidal").await;
        let gone = patient_named(&app, &admin.clinic_id, "Elena", "Borrada").await;
        for p in [&marta, &other, &gone] {
            assert_eq!(b.page(&format!("/console/patients/{}", p.id)).await.0, 200);
        }
        let r = app.request(Method::DELETE, "/v1/me", Some(&app.token_for(&gone))).send().await.unwrap();
        assert_eq!(r.status(), 204);

        let (status, html) = b.page("/console/audit").await;
        assert_eq!(status, 200);
        assert_no_codes(&html, "the audit log");
        let text = visible(&html);
        assert!(text.contains("Rosa Martín") && text.contains("Viewed the patient record"), "{text}");
        assert!(text.contains("Marta Ruiz") && text.contains("Óscar Vidal"), "{text}");
        assert!(text.contains("Erased patient") && !text.contains("Borrada"), "{text}");
        assert!(text.contains("The patient's personal data was erased at their request"), "{text}");
        for id in [&marta.id, &other.id, &gone.id, &admin.id] {
            assert!(!text.contains(id.as_str()), "no id is shown: {text}");
        }
        // The action filter lists actions in words.
        assert!(html.contains(">Resolved an alert</option>"), "{html}");

        // Pick a patient by name: the matches link to the filter; no id is typed by hand.
        let (_, html) = b.page("/console/audit?find=ruiz").await;
        let picker = section(&html, "id=\"patient-matches\"");
        assert!(visible(picker).contains("Marta Ruiz"), "{picker}");
        assert!(!visible(picker).contains("Óscar"), "{picker}");
        let link = picker.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        assert!(link.contains(&format!("patient_id={}", marta.id)), "{link}");
        let (_, html) = b.page(&link).await;
        let text = visible(&html);
        assert!(text.contains("Showing the entries about Marta Ruiz."), "{text}");
        assert!(text.contains("Show every patient's entries"), "{text}");
        assert!(!text.contains("Óscar Vidal"), "{text}");
        let (_, html) = b.page("/console/audit?find=nobody-here").await;
        assert!(visible(&html).contains("No patient of the clinic matches."));

        // Another clinic's admin sees none of these names.
        let (mut elsewhere, _) = signed_in(&app, "clinic_admin").await;
        let (_, html) = elsewhere.page(&format!("/console/audit?patient_id={}", marta.id)).await;
        assert!(!visible(&html).contains("Marta Ruiz"), "{html}");
        let (_, html) = elsewhere.page("/console/audit?find=ruiz").await;
        assert!(!visible(&html).contains("Marta Ruiz"), "{html}");
    }
}

/// The plan page of the patient's latest treatment.
async fn html_plan_link(app: &TestApp, patient: &User) -> String {
    let pid = patient.id.to_string();
    let treatment = app
        .db
        .run(move |c| {
            use shared::db::schema::treatments;
            Ok(treatments::table
                .filter(treatments::patient_id.eq(&pid))
                .select(treatments::id)
                .first::<String>(c)?)
        })
        .await
        .unwrap();
    format!("/console/patients/{}/treatments/{treatment}", patient.id)
}

/// The demo caseload's prompts are acknowledged in varied shares, so its roster shows plausible,
/// different adherence figures once the worker has delivered what was due.
async fn spawn_demo(backend: shared::db::Backend) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        &[
            ("AFTERCARE_DEMO", "on"),
            ("AFTERCARE_EMBEDDED_WORKER", "on"),
        ],
    )
    .await
}

shared::both_backends! {
    spawn = spawn_demo;
    async fn the_demo_caseload_shows_varied_adherence(app) {
        // The embedded worker sends what the backdated seed left due.
        for _ in 0..100 {
            let waiting: i64 = app.db.run(|c| {
                Ok(prompts::table
                    .filter(prompts::status.eq_any(["scheduled", "sending"]))
                    .filter(prompts::due_at.le(now()))
                    .count()
                    .get_result(c)?)
            }).await.unwrap();
            if waiting == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let login: Value = app
            .post_json("/v1/auth/login", None,
                &json!({"email": api::demo::STAFF_EMAIL, "password": api::demo::PASSWORD}))
            .await.json().await.unwrap();
        let token = login["access_token"].as_str().unwrap();
        let page: Value = app.get("/v1/clinic/patients?status=active&limit=50", Some(token)).await.json().await.unwrap();
        let figures: Vec<f64> = page["items"].as_array().unwrap().iter()
            .filter_map(|p| p["adherence"].as_f64())
            .collect();
        assert!(figures.len() >= 8, "{page}");
        assert!(figures.iter().all(|a| (0.0..=1.0).contains(a)), "{figures:?}");
        assert!(figures.iter().filter(|a| **a > 0.0).count() == figures.len(), "no one at 0 %: {figures:?}");
        let mut distinct: Vec<i64> = figures.iter().map(|a| (a * 100.0).round() as i64).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() >= 4, "varied figures: {figures:?}");
        assert!(figures.iter().any(|a| *a < 0.5) && figures.iter().any(|a| *a >= 0.8), "{figures:?}");
    }
}
