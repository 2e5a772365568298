//! The console in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver) with fantoccini, against the real server with the demo clinic seeded
//! (`AFTERCARE_DEMO=on`). Signs in, searches the roster, opens a patient and sees the chart
//! (saving the screenshot the README shows), records a treatment whose override reason is
//! required, resolves an escalation, signs out; a clinician of another clinic gets 404 pages.
//!
//! Runs where `chromedriver` and `chromium` are installed (`.ci/run` installs them); elsewhere
//! it is skipped with a note, unless `CI` is set, where it fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use shared::db::Backend;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::helpers::TestApp;

/// chromedriver, stopped when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn found(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts chromedriver on a free loopback port and connects a headless Chromium session.
async fn browser(profile: &std::path::Path) -> Option<(Driver, Client)> {
    if !(found("chromedriver") && found("chromium")) {
        assert!(
            std::env::var("CI").is_err(),
            "chromium and chromium-driver are required in CI (.ci/run installs them)"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let started = Instant::now();
    loop {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps.clone());
        match builder.connect(&url).await {
            Ok(client) => return Some((driver, client)),
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                panic!("chromedriver did not start a session: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// How long a page may take to appear after a click or a `goto`.
const PAGE_WAIT: Duration = Duration::from_secs(10);

/// Finds an element, retrying for [`PAGE_WAIT`]: while a page loads, Chromium answers commands
/// with errors that only mean "not yet" ("no such element", "aborted by navigation").
async fn el(c: &Client, locator: Locator<'_>) -> Element {
    let started = Instant::now();
    loop {
        match c.find(locator).await {
            Ok(e) => return e,
            Err(e) if started.elapsed() > PAGE_WAIT => {
                let url = c.current_url().await.map(|u| u.to_string());
                panic!("{locator:?} not found on {url:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn text(c: &Client, css: &str) -> String {
    el(c, Locator::Css(css)).await.text().await.unwrap()
}

/// Clicks a link or a submit button and returns once the page it leads to has loaded: the old
/// document's root is stale (a `text` read before that could see the old page) and the new
/// document's `readyState` is `complete`.
async fn click_through(c: &Client, target: Element) {
    let old_root = el(c, Locator::Css("html")).await;
    // A click that starts a navigation may itself answer "aborted by navigation".
    let _ = target.click().await;
    let started = Instant::now();
    loop {
        let replaced = old_root
            .tag_name()
            .await
            .is_err_and(|e| e.is_stale_element_reference());
        if replaced {
            let state = c.execute("return document.readyState", vec![]).await;
            if state.is_ok_and(|s| s == "complete") {
                return;
            }
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "no new page within {PAGE_WAIT:?} of the click"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/console/")).await.unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/console/sign-in")
    );
    el(c, Locator::Id("email"))
        .await
        .send_keys(email)
        .await
        .unwrap();
    el(c, Locator::Id("password"))
        .await
        .send_keys(password)
        .await
        .unwrap();
    click_through(c, el(c, Locator::Id("sign-in")).await).await;
    if c.find(Locator::Id("q")).await.is_err() {
        let url = c.current_url().await.unwrap();
        panic!(
            "no roster after signing in at {url}: {}",
            c.source().await.unwrap()
        );
    }
}

#[tokio::test]
async fn staff_work_through_the_console_in_chromium() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &[("AFTERCARE_DEMO", "on")]).await else {
        return;
    };
    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile).await else {
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
    // The form continues the course: the last treatment's areas come ticked.
    let face = el(c, Locator::Css("input[name=areas][value=face]")).await;
    if !face.is_selected().await.unwrap() {
        face.click().await.unwrap();
    }
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
    // A second session days after the first: the course check asks for a confirmation.
    el(c, Locator::Id("course-warnings")).await;
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
