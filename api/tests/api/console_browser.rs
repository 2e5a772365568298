//! The console in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver) with fantoccini, against the real server with the demo clinic seeded
//! (`AFTERCARE_DEMO=on`). Signs in, searches the roster, opens a patient and sees the chart
//! (saving the screenshot the README shows), records a treatment whose override reason is
//! required, resolves an escalation, signs out; a clinician of another clinic gets 404 pages.
//!
//! Runs where `chromedriver` and `chromium` are installed (`.ci/run` installs them); elsewhere
//! it is skipped with a note, unless `CI` is set, where it fails.
//!
//! [`harness`] holds the browser helpers and [`harness::check_page`], which every console page
//! goes through at 1280 and 390 px (axe-core, no sideways scroll, 44-px touch targets, chart
//! text ≥ 11 px, screenshots under `target/console-screenshots/`); [`pages`] walks every page
//! of a day's work through it, in English and in Spanish. A new page: reach it in
//! `pages::walk` and call `check_page(c, &page("its-name")).await`.

mod flows;
pub mod harness;
mod pages;

use fantoccini::{Client, Locator};
use shared::db::Backend;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::helpers::TestApp;
use harness::{browser, click_through, el, sign_in, text};

#[tokio::test]
async fn staff_work_through_the_console_in_chromium() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &[("AFTERCARE_DEMO", "on")]).await else {
        return;
    };
    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile, "en").await else {
        return;
    };
    let base = app.address.clone();
    let result = walk_through(&app, &c, &base).await;
    let _ = c.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    result.unwrap();
}

async fn walk_through(app: &TestApp, c: &Client, base: &str) -> Result<(), String> {
    sign_in(c, base, api::demo::STAFF_EMAIL, api::demo::PASSWORD).await;

    // Search the roster (case and accents as typed by a hurried receptionist).
    let q = el(c, Locator::Id("q")).await;
    q.send_keys("LUCÍA").await.unwrap();
    click_through(c, el(c, Locator::Id("apply")).await).await;
    let roster = text(c, "#roster").await;
    assert!(roster.contains("Lucía Fernández"), "{roster}");
    assert!(!roster.contains("Zoë"), "{roster}");
    // The search term is not in the page's outgoing requests' referrer.
    click_through(c, el(c, Locator::LinkText("Lucía Fernández")).await).await;

    // The record, with its chart.
    assert_eq!(text(c, "#patient-name").await, "Lucía Fernández");
    let chart = el(c, Locator::Css("svg.chart")).await;
    let label = chart.attr("aria-labelledby").await.unwrap();
    assert_eq!(label.as_deref(), Some("chart-title chart-desc"));
    let desc = c
        .find(Locator::Id("chart-desc"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert!(desc.contains("day 5"), "{desc}");
    let rows = c
        .find_all(Locator::Css("#chart-table tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 4, "a row per check-in");
    let patient_url = c.current_url().await.unwrap().to_string();

    // The screenshot the README shows: the whole record at a desktop width.
    let height = c
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(1800)
        .clamp(900, 4000) as u32;
    c.set_window_size(1280, height).await.unwrap();
    let png = c.screenshot().await.unwrap();
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("console-patient.png"), png).unwrap();
    c.set_window_size(1280, 900).await.unwrap();

    // A treatment with a screening finding needs an override reason.
    click_through(c, el(c, Locator::Id("record-treatment")).await).await;
    el(c, Locator::Id("treatment-form")).await;
    // The areas come from the last treatment (six days ago); the screening is this session's.
    el(c, Locator::Css("input[name=areas][value=face]:checked")).await;
    el(
        c,
        Locator::Css("input[name=contraindications][value=rosacea]"),
    )
    .await
    .click()
    .await
    .unwrap();
    click_through(c, el(c, Locator::Id("save-treatment")).await).await;
    let error = text(c, "#override_reason-error").await;
    assert!(error.contains("required"), "{error}");
    let reason = el(c, Locator::Id("override_reason")).await;
    assert_eq!(
        reason.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    reason
        .send_keys("Stable rosacea; shallow depth agreed")
        .await
        .unwrap();
    click_through(c, el(c, Locator::Id("save-treatment")).await).await;
    // Six days after the last one: warned about, then recorded anyway.
    let warnings = text(c, "#course-warnings").await;
    assert!(warnings.contains("weeks"), "{warnings}");
    click_through(c, el(c, Locator::Id("record-anyway")).await).await;
    assert!(
        text(c, "#treatment-saved")
            .await
            .contains("Treatment recorded")
    );
    let plan = c.find_all(Locator::Css("#plan tbody tr")).await.unwrap();
    assert!(plan.len() >= 5, "the generated plan is shown");

    // Resolve the urgent escalation from the queue.
    c.goto(&format!("{base}/console/escalations"))
        .await
        .unwrap();
    let urgent_before = c
        .find_all(Locator::Css("#queue tr.urgent"))
        .await
        .unwrap()
        .len();
    assert!(
        urgent_before >= 1,
        "the demo has an open urgent escalation on top"
    );
    let first = el(c, Locator::Css("#queue tbody tr:first-child")).await;
    assert_eq!(
        first.attr("class").await.unwrap().as_deref(),
        Some("urgent")
    );
    first
        .find(Locator::Css("input[name=note]"))
        .await
        .unwrap()
        .send_keys("Phoned; seen today, swab taken")
        .await
        .unwrap();
    click_through(c, first.find(Locator::Css("button")).await.unwrap()).await;
    let urgent_after = c
        .find_all(Locator::Css("#queue tr.urgent"))
        .await
        .unwrap()
        .len();
    assert_eq!(urgent_after, urgent_before - 1);

    // Sign out: back to the sign-in page, and the record is out of reach.
    click_through(c, el(c, Locator::Id("sign-out")).await).await;
    el(c, Locator::Id("sign-in")).await;
    c.goto(&patient_url).await.unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/console/sign-in")
    );

    // A clinician of another clinic: the same record is a 404 page.
    let clinic = app
        .db
        .run(|conn| Ok(shared::testing::fixtures::clinic(conn, "Other Clinic")))
        .await
        .unwrap();
    let (other, _) = app.staff_in(&clinic.id, "clinician").await;
    sign_in(c, base, &other.email, FIXTURE_PASSWORD).await;
    assert!(!text(c, "main").await.contains("Lucía"));
    c.goto(&patient_url).await.unwrap();
    let page = text(c, "main").await;
    assert!(page.contains("not one of your clinic"), "{page}");
    assert!(!page.contains("Lucía"));
    Ok(())
}
