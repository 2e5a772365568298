//! Pre-visit screenings in a real browser (headless Chromium through chromedriver, as the other
//! browser tests): a patient answers the questions before tomorrow's session in the app (the
//! card on Today, the questions, the answer with the clinic's phone), in English and Spanish;
//! then the console's list of tomorrow's sessions, the roster's flag and the record's answers.
//! Every page goes through the harnesses' checks (axe-core without serious or critical
//! violations, no sideways scroll, 44-px touch targets on phones) and leaves screenshots at
//! 1280 and 390 px (and the harnesses' other widths) under `target/app-screenshots/*-screening*`
//! and `target/console-screenshots/screening-*`. Skipped where Chromium is not installed.

use chrono::{TimeZone as _, Utc};
use fantoccini::{Client, Locator};
use shared::db::Backend;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::app_browser::harness::app_page_problems;
use crate::console_browser::harness::{browser, check_page, click_through, el, sign_in, text};
use crate::helpers::TestApp;
use crate::screenings_pages::madrid;
use crate::texts_consent::set_locale;
use crate::treatments::{put_session, record, treatment_body};

/// A treated patient of `clinic` in `locale`, booked tomorrow at `hour`:00 (clinic time).
async fn booked(
    app: &TestApp,
    clinic: &shared::domain::ClinicId,
    staff: &str,
    locale: &str,
    hour: u32,
) -> (String, String) {
    let (user, _) = app.patient_in(clinic, "Europe/Madrid").await;
    let id = user.id.as_str().to_owned();
    set_locale(app, &id, locale).await;
    record(app, staff, &id, &treatment_body(1)).await;
    let at = Utc.from_utc_datetime(&madrid(1, hour));
    assert_eq!(put_session(app, staff, &id, at).await.status(), 200);
    (id, user.email)
}

#[tokio::test]
async fn screenings_in_the_app_and_the_console_in_chromium() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let clinic = app
        .db
        .run(|c| Ok(shared::testing::fixtures::clinic(c, "Clínica Lumen")))
        .await
        .unwrap();
    let (staff, token) = app.staff_in(&clinic.id, "clinician").await;
    let (en, en_email) = booked(&app, &clinic.id, &token, "en", 10).await;
    let (_es, es_email) = booked(&app, &clinic.id, &token, "es", 11).await;
    let (_silent, _) = booked(&app, &clinic.id, &token, "en", 12).await;

    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile, "en").await else {
        return;
    };
    let base = app.address.clone();
    let result = tokio::spawn({
        let c = c.clone();
        async move {
            let mut problems = patient_answers(&c, &base, &en_email, "en").await;
            c.delete_all_cookies().await.unwrap();
            problems.extend(patient_answers(&c, &base, &es_email, "es").await);
            c.delete_all_cookies().await.unwrap();
            assert!(problems.is_empty(), "{}", problems.join("\n"));
            desk(&c, &base, &staff.email, &en).await;
        }
    })
    .await;
    let _ = c.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The patient's side in `lang`: the card on Today, the questions, an answer (en: a cold sore
/// and a note, flagged; es: none of these). Returns the checks' problems.
async fn patient_answers(c: &Client, base: &str, email: &str, lang: &str) -> Vec<String> {
    c.goto(&format!("{base}/app/sign-in")).await.unwrap();
    el(c, Locator::Id("email"))
        .await
        .send_keys(email)
        .await
        .unwrap();
    el(c, Locator::Id("password"))
        .await
        .send_keys(FIXTURE_PASSWORD)
        .await
        .unwrap();
    click_through(c, el(c, Locator::Id("sign-in")).await).await;
    let card = text(c, "#screening-card").await;
    let want = if lang == "en" {
        "A few questions before your session"
    } else {
        "Unas preguntas antes de tu sesión"
    };
    assert!(card.contains(want), "{card}");
    let mut problems = app_page_problems(c, &format!("{lang}-screening-today")).await;
    click_through(c, el(c, Locator::Css("#screening-card a.button")).await).await;
    problems.extend(app_page_problems(c, &format!("{lang}-screening")).await);
    if lang == "en" {
        el(c, Locator::Css("input[value=cold_sores]"))
            .await
            .click()
            .await
            .unwrap();
        el(c, Locator::Id("notes"))
            .await
            .send_keys("Tingling on my lip since yesterday")
            .await
            .unwrap();
    } else {
        el(c, Locator::Id("none")).await.click().await.unwrap();
    }
    click_through(c, el(c, Locator::Id("send-screening")).await).await;
    if lang == "en" {
        let flagged = text(c, "#flagged").await;
        assert!(
            flagged.contains("Your clinic will look at your answers before your session."),
            "{flagged}"
        );
        let call = el(c, Locator::Id("call-clinic-now")).await;
        assert_eq!(
            call.attr("href").await.unwrap().as_deref(),
            Some("tel:+34600000000")
        );
    } else {
        let clear = text(c, "#clear").await;
        assert!(clear.starts_with("Nada que comentar."), "{clear}");
    }
    problems.extend(app_page_problems(c, &format!("{lang}-screening-answer")).await);
    problems
}

/// The clinic's side: tomorrow's sessions with each state, the roster's flag, the record.
async fn desk(c: &Client, base: &str, email: &str, flagged: &str) {
    sign_in(c, base, email, FIXTURE_PASSWORD).await;
    c.goto(&format!("{base}/console/tomorrow")).await.unwrap();
    let list = text(c, "#tomorrow").await;
    assert!(list.contains("⚠ Reported: Cold sores"), "{list}");
    assert!(
        list.contains("✓ Nothing to report") && list.contains("– Not answered yet"),
        "{list}"
    );
    assert_eq!(
        text(c, "#tomorrow-summary").await,
        "1 to check · 1 clear · 1 not answered"
    );
    check_page(c, "screening-tomorrow").await;
    c.goto(&format!("{base}/console/")).await.unwrap();
    check_page(c, "screening-roster").await;
    c.goto(&format!("{base}/console/patients/{flagged}"))
        .await
        .unwrap();
    assert!(
        text(c, "#screening-latest")
            .await
            .contains("Tingling on my lip")
    );
    check_page(c, "screening-record").await;
}
