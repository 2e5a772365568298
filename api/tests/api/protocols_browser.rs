//! The clinic's protocol pages in a real browser (headless Chromium through chromedriver, as
//! the console's other browser tests): a clinic admin makes a draft from the default, edits a
//! prompt, sees a refused one with its errors, looks at the triage thresholds, a preview, the
//! comparison with the default and the publish confirmation — in English, then in Spanish
//! after choosing it in the header. Every page goes through the console harness's checks
//! (axe-core without serious or critical violations, no sideways scroll, 44-px touch targets at
//! 390 px) and leaves screenshots under `target/console-screenshots/protocols-<lang>-<page>-*`.
//! Skipped where Chromium is not installed, as the others are.

use fantoccini::{Client, Locator};
use shared::db::Backend;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::console_browser::harness::{browser, click_through, el, page_problems, sign_in, text};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_clinic_admin_edits_previews_and_publishes_a_protocol_in_chromium() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let (admin, _) = app.staff("clinic_admin").await;
    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile, "en").await else {
        return;
    };
    let base = app.address.clone();
    let result = tokio::spawn({
        let c = c.clone();
        async move {
            sign_in(&c, &base, &admin.email, FIXTURE_PASSWORD).await;
            let mut problems = walk(&c, &base, "en").await;
            // The header's language picker: every page after it in Spanish.
            el(&c, Locator::Id("language-picker"))
                .await
                .select_by_value("es")
                .await
                .unwrap();
            click_through(&c, el(&c, Locator::Css("form.language button")).await).await;
            problems.extend(walk(&c, &base, "es").await);
            assert!(problems.is_empty(), "{}", problems.join("\n"));
        }
    })
    .await;
    let _ = c.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn replace_text(c: &Client, id: &str, value: &str) {
    let input = el(c, Locator::Id(id)).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Every protocol page in `lang`; the checks' problems.
async fn walk(c: &Client, base: &str, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let name = |page: &str| format!("protocols-{lang}-{page}");
    let (protocol, saved, refused) = match lang {
        "es" => ("Protocolo", "Guardado.", "debe ser un número entero"),
        _ => ("Protocol", "Saved.", "must be a whole number"),
    };

    c.goto(&format!("{base}/console/")).await.unwrap();
    click_through(c, el(c, Locator::Id("nav-protocols")).await).await;
    assert_eq!(text(c, "#nav-protocols").await, protocol);
    problems.extend(page_problems(c, &name("list")).await);

    click_through(c, el(c, Locator::Id("create-draft")).await).await;
    let url = c.current_url().await.unwrap();
    let id = url.path().rsplit('/').next().unwrap().to_owned();
    problems.extend(page_problems(c, &name("version")).await);

    // Edit the first prompt after the treatment, then refuse a bad day.
    click_through(c, el(c, Locator::Css("#prompts-treatment tbody a")).await).await;
    let prompt_url = c.current_url().await.unwrap().to_string();
    problems.extend(page_problems(c, &name("prompt")).await);
    replace_text(
        c,
        "f-texts-en-body",
        "Keep your skin clean and bare today; no make-up until tomorrow evening.",
    )
    .await;
    click_through(c, el(c, Locator::Id("save-prompt")).await).await;
    assert_eq!(text(c, "#notice").await, saved);
    c.goto(&prompt_url).await.unwrap();
    replace_text(c, "f-day", "x").await;
    click_through(c, el(c, Locator::Id("save-prompt")).await).await;
    assert!(text(c, "#f-day-error").await.contains(refused));
    el(c, Locator::Css("#error-summary a[href='#f-day']")).await;
    problems.extend(page_problems(c, &name("prompt-refused")).await);

    c.goto(&format!("{base}/console/protocols/{id}/prompt/remove?n=0"))
        .await
        .unwrap();
    problems.extend(page_problems(c, &name("remove")).await);

    c.goto(&format!("{base}/console/protocols/{id}/triage"))
        .await
        .unwrap();
    problems.extend(page_problems(c, &name("triage")).await);

    c.goto(&format!("{base}/console/protocols/{id}/preview"))
        .await
        .unwrap();
    click_through(c, el(c, Locator::Id("show-preview")).await).await;
    el(c, Locator::Css("#preview-plan .card")).await;
    problems.extend(page_problems(c, &name("preview")).await);

    c.goto(&format!(
        "{base}/console/protocols/compare?before=default&after={id}"
    ))
    .await
    .unwrap();
    assert!(
        text(c, "#changes")
            .await
            .contains("no make-up until tomorrow evening")
    );
    problems.extend(page_problems(c, &name("compare")).await);

    c.goto(&format!("{base}/console/protocols/{id}/publish"))
        .await
        .unwrap();
    el(c, Locator::Id("replan_current")).await;
    problems.extend(page_problems(c, &name("publish")).await);
    problems
}
