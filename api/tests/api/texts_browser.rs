//! Consent to text messages in a real browser (headless Chromium through chromedriver, as the
//! console's and the app's browser tests): the console's patient record with a consent recorded
//! at the desk and the texts the patient sent, then the patient's "Text messages" page in the
//! app, turned off with one tap, in English and in Spanish. Every page goes through the
//! harnesses' checks (axe-core without serious or critical violations, no sideways scroll,
//! 44-px touch targets on phones) and leaves screenshots at 1280 and 390 px (and the harnesses'
//! other widths) under `target/console-screenshots/texts-*` and `target/app-screenshots/*-texts*`.
//! Skipped where Chromium is not installed, as the others are.

use fantoccini::{Client, Locator};
use shared::care::sms::{ConsentChange, Inbound, receive, record_consent};
use shared::db::Backend;
use shared::domain::{CONSENT_TEXT_VERSION, ClinicId, ConsentMethod, ConsentSource, PatientId};
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::app_browser::harness::app_page_problems;
use crate::console_browser::harness::{browser, check_page, click_through, el, sign_in, text};
use crate::helpers::TestApp;
use crate::texts_consent::{set_locale, set_phone, tried_push_then_text};
use crate::treatments::{record, treatment_body};

/// A patient of `clinic` with a mobile number, in `locale`, two days after a treatment.
async fn patient(
    app: &TestApp,
    clinic: &ClinicId,
    staff_token: &str,
    locale: &str,
) -> (String, String) {
    let (user, _) = app.patient_in(clinic, "Europe/Madrid").await;
    let id = user.id.as_str().to_owned();
    set_phone(app, &id, Some("+34 600 111 222")).await;
    set_locale(app, &id, locale).await;
    let mut treatment = treatment_body(1);
    treatment["performed_at"] = serde_json::json!(
        (chrono::Utc::now() - chrono::Duration::hours(50))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    record(app, staff_token, &id, &treatment).await;
    // The first prompt went down the ladder: the push refused by two phones, then a text.
    let pid = PatientId::from(id.as_str());
    let first = app
        .db
        .run(move |c| shared::db::prompts::for_patient(c, &pid))
        .await
        .unwrap()
        .remove(0)
        .id;
    tried_push_then_text(app, first.as_str()).await;
    (id, user.email)
}

#[tokio::test]
async fn consent_to_texts_in_the_console_and_the_app_in_chromium() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let clinic = app
        .db
        .run(|c| Ok(shared::testing::fixtures::clinic(c, "Clínica Lumen")))
        .await
        .unwrap();
    let (staff, token) = app.staff_in(&clinic.id, "clinician").await;
    let (en, en_email) = patient(&app, &clinic.id, &token, "en").await;
    let (es, es_email) = patient(&app, &clinic.id, &token, "es").await;
    // A number of its own: a text from a number belongs to one patient's conversation.
    set_phone(&app, &es, Some("+34 600 111 333")).await;
    // Recorded at the desk; then the patient texted a question and HELP.
    record_consent(
        &app.db,
        ConsentChange {
            clinic_id: clinic.id.clone(),
            patient_id: PatientId::from(en.as_str()),
            granted: true,
            text_version: CONSENT_TEXT_VERSION.into(),
            source: ConsentSource::Clinic,
            method: ConsentMethod::Console,
            recorded_by: Some(staff.id.clone()),
        },
        shared::time::now(),
    )
    .await
    .unwrap();
    for (sid, body) in [
        ("SM0001", "Can I go out in the sun tomorrow?"),
        ("SM0002", "HELP"),
    ] {
        let text = Inbound {
            provider_id: sid.into(),
            from: "+34600111222".into(),
            to: "+15005550006".into(),
            body: body.into(),
        };
        receive(&app.db, text, shared::time::now()).await.unwrap();
    }

    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((_driver, c)) = browser(&profile, "en").await else {
        return;
    };
    let base = app.address.clone();
    let result = tokio::spawn({
        let c = c.clone();
        async move {
            desk(&c, &base, &staff.email, &en, &es).await;
            let mut problems = patient_page(&c, &base, &en_email, "en").await;
            c.delete_all_cookies().await.unwrap();
            problems.extend(patient_page(&c, &base, &es_email, "es").await);
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

/// The clinic's record: consent, the wording version, the texts (HELP named), checked; then a
/// record where consent was never asked: the wording to read, in the patient's language.
async fn desk(c: &Client, base: &str, email: &str, patient: &str, never_asked: &str) {
    sign_in(c, base, email, FIXTURE_PASSWORD).await;
    c.goto(&format!("{base}/console/patients/{patient}"))
        .await
        .unwrap();
    let consent = text(c, "#sms-consent").await;
    assert!(
        consent.contains("Agreed on") && consent.contains(CONSENT_TEXT_VERSION),
        "{consent}"
    );
    let texts = text(c, "#sms-texts").await;
    assert!(
        texts.contains("HELP: answered with the clinic's name and phone"),
        "{texts}"
    );
    assert!(
        texts.find("HELP").unwrap() < texts.find("sun tomorrow").unwrap(),
        "newest first: {texts}"
    );
    let timeline = text(c, "#timeline").await;
    assert!(
        timeline
            .contains("Push notification (Android) · failed ×2, Text message (SMS) · delivered"),
        "{timeline}"
    );
    check_page(c, "texts-record").await;

    c.goto(&format!("{base}/console/patients/{never_asked}"))
        .await
        .unwrap();
    assert_eq!(text(c, "#sms-consent").await, "Never asked.");
    let wording = el(c, Locator::Id("sms-wording")).await;
    assert_eq!(wording.attr("lang").await.unwrap().as_deref(), Some("es"));
    assert!(
        wording
            .text()
            .await
            .unwrap()
            .starts_with("Acepto recibir mensajes de texto de Clínica Lumen")
    );
    check_page(c, "texts-record-ask").await;
}

/// The patient's page in `lang`: consent given at the desk (en) or never asked (es); one tap
/// changes it. Returns the checks' problems.
async fn patient_page(c: &Client, base: &str, email: &str, lang: &str) -> Vec<String> {
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
    c.goto(&format!("{base}/app/texts")).await.unwrap();
    let wording = text(c, "#texts-wording").await;
    let mut problems = app_page_problems(c, &format!("{lang}-texts")).await;
    if lang == "en" {
        assert!(
            wording.contains("from Clínica Lumen about my aftercare"),
            "{wording}"
        );
        assert!(text(c, "#texts-state").await.starts_with("Texts are on."));
        click_through(c, el(c, Locator::Id("texts-off")).await).await;
        assert!(
            text(c, "#texts-done")
                .await
                .contains("Nothing more will be sent")
        );
    } else {
        assert!(
            wording.contains("Acepto recibir mensajes de texto de Clínica Lumen"),
            "{wording}"
        );
        click_through(c, el(c, Locator::Id("texts-on")).await).await;
        assert_eq!(text(c, "#texts-done").await, "Los SMS están activados.");
    }
    problems.extend(app_page_problems(c, &format!("{lang}-texts-changed")).await);
    c.goto(&format!("{base}/app/timeline")).await.unwrap();
    let sent_by = text(c, ".sent-by").await;
    let want = if lang == "en" {
        "Sent by notification · text"
    } else {
        "Enviado por notificación · SMS"
    };
    assert_eq!(sent_by, want);
    problems.extend(app_page_problems(c, &format!("{lang}-texts-timeline")).await);
    problems
}
