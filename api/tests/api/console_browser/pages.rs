//! Every console page of a day's work, in English and in Spanish, through [`check_page`] (the
//! flows of issue 25 reached by clicking and typing, in [`super::flows`]): at
//! 1280 and 390 px, axe-core, no sideways scroll, touch targets, the chart's text size, and a
//! screenshot of each under `target/console-screenshots/<lang>-<page>-<width>.png`.

use fantoccini::{Client, Locator};
use shared::db::Backend;

use super::flows;
use super::harness::{
    PHONE, browser, chart_text_sizes, check_page, click_through, el, set_viewport, sign_in,
};
use crate::helpers::TestApp;

#[tokio::test]
async fn every_console_page_fits_a_phone_and_passes_axe_in_english() {
    every_page("en").await;
}

#[tokio::test]
async fn every_console_page_fits_a_phone_and_passes_axe_in_spanish() {
    every_page("es").await;
}

async fn every_page(lang: &str) {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &[("AFTERCARE_DEMO", "on")]).await else {
        return;
    };
    flows::mara_with_a_same_day_group(&app).await;
    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile, lang).await else {
        return;
    };
    let result = tokio::spawn({
        let c = c.clone();
        let base = app.address.clone();
        let lang = lang.to_owned();
        async move { walk(&c, &base, &lang).await }
    })
    .await;
    let _ = c.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Submits the form `css` is in (its submit button) and waits for the answer.
async fn submit(c: &Client, css: &str) {
    click_through(c, el(c, Locator::Css(css)).await).await;
}

async fn walk(c: &Client, base: &str, lang: &str) {
    let page = |name: &str| format!("{lang}-{name}");
    let go = |path: &str| format!("{base}{path}");

    // Signed out: sign-in, and accepting an invitation (refused, with the errors shown).
    c.goto(&go("/console/sign-in")).await.unwrap();
    let html_lang = el(c, Locator::Css("html"))
        .await
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(html_lang.as_deref(), Some(lang), "the page speaks {lang}");
    check_page(c, &page("sign-in")).await;
    c.goto(&go("/console/invitation")).await.unwrap();
    check_page(c, &page("invitation")).await;
    el(c, Locator::Id("code"))
        .await
        .send_keys("not-a-code")
        .await
        .unwrap();
    el(c, Locator::Id("password"))
        .await
        .send_keys("short")
        .await
        .unwrap();
    submit(c, "form[action='/console/invitation'] button[type=submit]").await;
    check_page(c, &page("invitation-refused")).await;

    sign_in(c, base, api::demo::STAFF_EMAIL, api::demo::PASSWORD).await;
    check_page(c, &page("roster")).await;
    c.goto(&go(
        "/console/?q=a&status=active&sort=last_treatment&open=1",
    ))
    .await
    .unwrap();
    check_page(c, &page("roster-filtered")).await;

    c.goto(&go("/console/patients/new")).await.unwrap();
    check_page(c, &page("enrol")).await;
    submit(
        c,
        "form[action='/console/patients/new'] button[type=submit]",
    )
    .await;
    el(c, Locator::Css(".field-error")).await;
    check_page(c, &page("enrol-errors")).await;

    // The record of the demo patient with check-ins, escalations and a treatment.
    c.goto(&go("/console/?q=Luc%C3%ADa")).await.unwrap();
    click_through(c, el(c, Locator::LinkText("Lucía Fernández")).await).await;
    el(c, Locator::Css("svg.chart")).await;
    let patient_url = c.current_url().await.unwrap().to_string();
    check_page(c, &page("patient")).await;
    // The chart is measured, not assumed: at the phone width its text is there and large enough.
    set_viewport(c, PHONE, 900).await;
    let sizes = chart_text_sizes(c).await;
    assert!(!sizes.is_empty(), "the chart's text is shown at {PHONE} px");
    let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        smallest >= 11.0,
        "chart text at {PHONE} px: {smallest:.1} px"
    );
    set_viewport(c, super::harness::DESKTOP, 900).await;

    // A record with an urgent check-in: its triangle is on the chart.
    c.goto(&go("/console/?q=Zo%C3%AB")).await.unwrap();
    click_through(c, el(c, Locator::LinkText("Zoë Müller")).await).await;
    el(c, Locator::Css("svg.chart")).await;
    check_page(c, &page("patient-urgent")).await;
    c.goto(&patient_url).await.unwrap();

    // The treatment form for a patient in the middle of a course: pre-filled, refused (a
    // screening finding needs a reason), warned about (under three weeks since the last one),
    // recorded anyway: the plan.
    flows::treatment(c, &patient_url, &page).await;

    // The escalation queue: a same-day group, a refused and a good resolution, the Resolved tab.
    flows::escalations(c, &page).await;

    // Front-desk onboarding: enrolment, the invitation, its sheet, a new code, corrected details.
    flows::onboarding(c, lang, &page).await;

    c.goto(&format!("{patient_url}/discharge")).await.unwrap();
    el(c, Locator::Id("confirm-discharge")).await;
    check_page(c, &page("discharge")).await;

    c.goto(&go("/console/audit")).await.unwrap();
    check_page(c, &page("audit")).await;
    flows::audit_picker(c, &page).await;
    c.goto(&go("/console/staff")).await.unwrap();
    check_page(c, &page("staff")).await;
    flows::staff_invitation(c, lang, &page).await;
    flows::language_picker(c, base, lang, &page).await;
    c.goto(&go("/console/no-such-page")).await.unwrap();
    check_page(c, &page("not-found")).await;
}
