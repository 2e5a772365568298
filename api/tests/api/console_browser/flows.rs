//! The flows of a day's work that [`super::pages`] walks through as a person would (clicking
//! links, typing, submitting), each page on the way checked with [`check_page`]: the escalation
//! queue with a same-day group, resolved with an empty note and then a good one; enrolment, the
//! invitation, its printable sheet and a new code; corrected details; a treatment with course
//! warnings recorded anyway; the audit log's patient picker; a staff invitation; the language
//! picker.

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::json;

use super::harness::{check_page, click_through, el, text};
use crate::escalation_queue::{check_in, treated_patient};
use crate::helpers::TestApp;

/// A page's screenshot name in the walk's language (`en-roster`).
type Name<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// Mara Rossi of the demo clinic, treated six days ago, whose check-ins of today raised a
/// routine alert (redness not fading by day 5) and then an urgent one (fever): one group.
pub async fn mara_with_a_same_day_group(app: &TestApp) {
    let staff = app
        .db
        .run(|c| shared::db::users::find_by_email(c, api::demo::STAFF_EMAIL))
        .await
        .unwrap()
        .remove(0);
    let token = app.token_for(&staff);
    let (_, mara) = treated_patient(
        app,
        &token,
        &staff.clinic_id,
        "Mara",
        "Rossi",
        Some("+34 611 555 777"),
    )
    .await;
    check_in(app, &mara, 8, 2, json!([])).await;
    check_in(app, &mara, 5, 2, json!(["fever"])).await;
}

/// Submits the form `css` is in (its submit button) and waits for the answer.
async fn submit(c: &Client, css: &str) {
    click_through(c, el(c, Locator::Css(css)).await).await;
}

/// Replaces what the field `id` holds with `value`.
async fn type_into(c: &Client, id: &str, value: &str) {
    let field = el(c, Locator::Id(id)).await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn value_of(c: &Client, id: &str) -> String {
    el(c, Locator::Id(id))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The queue's row of Mara Rossi's group.
async fn mara_row(c: &Client) -> Element {
    el(
        c,
        Locator::XPath(
            "//table[@id='queue']//tr[.//a[contains(@class,'patient') and normalize-space()='Mara Rossi']]",
        ),
    )
    .await
}

async fn nav(c: &Client, href: &str) {
    let css = format!("header nav a[href='{href}']");
    click_through(c, el(c, Locator::Css(&css)).await).await;
}

/// Flow 1: The queue with Mara's group (urgent and routine in one row, urgent first), resolving it
/// with a blank note (refused, the error by the field), then with a note (the confirmation),
/// then the Resolved tab.
pub async fn escalations(c: &Client, page: Name<'_>) {
    nav(c, "/console/escalations").await;
    let row = mara_row(c).await;
    assert_eq!(row.attr("class").await.unwrap().as_deref(), Some("urgent"));
    let reasons = row.find_all(Locator::Css("ul.reasons > li")).await.unwrap();
    assert_eq!(
        reasons.len(),
        2,
        "the routine and the urgent alert in one row"
    );
    let tel = row.find(Locator::Css("a.tel")).await.unwrap();
    assert_eq!(
        tel.attr("href").await.unwrap().as_deref(),
        Some("tel:+34611555777")
    );
    check_page(c, &page("escalations-open")).await;

    // A note of spaces passes the browser's `required`; the server refuses it.
    let note = row.find(Locator::Css("input[name=note]")).await.unwrap();
    note.send_keys("   ").await.unwrap();
    click_through(c, row.find(Locator::Css("button")).await.unwrap()).await;
    let row = mara_row(c).await;
    row.find(Locator::Css(".field-error")).await.unwrap();
    let note = row.find(Locator::Css("input[name=note]")).await.unwrap();
    assert_eq!(
        note.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    check_page(c, &page("escalations-note-refused")).await;

    note.clear().await.unwrap();
    note.send_keys("Phoned; seen today").await.unwrap();
    click_through(c, row.find(Locator::Css("button")).await.unwrap()).await;
    let done = text(c, "#resolved-confirmation").await;
    assert!(done.contains("Mara Rossi"), "{done}");
    assert!(
        c.find(Locator::XPath(
            "//table[@id='queue']//a[normalize-space()='Mara Rossi']"
        ))
        .await
        .is_err(),
        "the group left the queue"
    );
    check_page(c, &page("escalations-resolved-confirmation")).await;

    let tab = el(
        c,
        Locator::Css("a[href='/console/escalations?status=resolved']"),
    )
    .await;
    click_through(c, tab).await;
    let resolved = text(c, "#resolved").await;
    assert_eq!(
        resolved.matches("Phoned; seen today").count(),
        2,
        "{resolved}"
    );
    check_page(c, &page("escalations-resolved")).await;
}

/// Flow 2 and 3: Enrolment, the invitation page (the code; no email set up), the printable sheet
/// with its QR code, a new code; then the patient's details corrected: a bad email refused with
/// what was typed kept, then saved.
pub async fn onboarding(c: &Client, lang: &str, page: Name<'_>) {
    nav(c, "/console/patients/new").await;
    type_into(c, "email", &format!("ines.{lang}@example.com")).await;
    type_into(c, "given_name", "Inés").await;
    type_into(c, "family_name", "Navarro").await;
    type_into(c, "phone", "+34 611 222 333").await;
    type_into(c, "timezone", "Europe/Madrid").await;
    submit(
        c,
        "form[action='/console/patients/new'] button[type=submit]",
    )
    .await;
    let code = text(c, "#invitation-code").await;
    assert!(!code.trim().is_empty());
    let outcome = el(c, Locator::Id("invitation-outcome")).await;
    assert_eq!(
        outcome.attr("class").await.unwrap().as_deref(),
        Some("notice warn"),
        "not emailed: {}",
        outcome.text().await.unwrap()
    );
    if lang == "en" {
        let said = outcome.text().await.unwrap();
        assert!(said.contains("Email is not set up"), "{said}");
    }
    check_page(c, &page("patient-invitation")).await;

    click_through(c, el(c, Locator::Id("print-sheet")).await).await;
    el(c, Locator::Css("#sheet-qr svg")).await;
    assert_eq!(text(c, "#sheet-code").await, code);
    check_page(c, &page("invitation-sheet")).await;

    click_through(c, el(c, Locator::Css("nav.screen-only a")).await).await;
    click_through(c, el(c, Locator::Id("new-code")).await).await;
    let new_code = text(c, "#invitation-code").await;
    assert_ne!(new_code, code, "a new code");
    check_page(c, &page("invitation-new-code")).await;

    click_through(
        c,
        el(c, Locator::Css("section.handover a[href$='/details']")).await,
    )
    .await;
    assert_eq!(value_of(c, "given_name").await, "Inés");
    type_into(c, "email", "ines-at-example").await;
    type_into(c, "phone", "+34 611 999 000").await;
    type_into(c, "family_name", "Navarro Gil").await;
    submit(c, "#save-details").await;
    el(c, Locator::Id("email-error")).await;
    assert_eq!(value_of(c, "email").await, "ines-at-example");
    assert_eq!(value_of(c, "phone").await, "+34 611 999 000");
    assert_eq!(value_of(c, "family_name").await, "Navarro Gil");
    check_page(c, &page("details-refused")).await;
    type_into(c, "email", &format!("ines.navarro.{lang}@example.com")).await;
    submit(c, "#save-details").await;
    // A new email of a patient still invited: saved, and the invitation made again for it,
    // said on the invitation page with the new code.
    el(c, Locator::Css("section.handover p.notice.ok[role=status]")).await;
    el(c, Locator::Id("invitation-code")).await;
    let url = c.current_url().await.unwrap();
    assert!(url.path().ends_with("/invitation"), "{url}");
    check_page(c, &page("details-saved")).await;
}

/// Flow 4: A treatment for a patient with a previous one (six days ago): the course pre-filled;
/// refused while a screening finding has no reason; then warned about the interval under three
/// weeks, with what was typed kept; recorded anyway.
pub async fn treatment(c: &Client, patient_url: &str, page: Name<'_>) {
    c.goto(patient_url).await.unwrap();
    click_through(c, el(c, Locator::Id("record-treatment")).await).await;
    let heading = text(c, "#treatment-heading").await;
    assert!(heading.contains("Lucía Fernández"), "{heading}");
    let session: u32 = value_of(c, "session_number").await.parse().unwrap();
    assert!(session > 1, "the next session of the course: {session}");
    assert!(!value_of(c, "planned_sessions").await.is_empty());
    assert!(
        c.find(Locator::Css("input[name=areas]:checked"))
            .await
            .is_ok(),
        "the areas of the last treatment"
    );
    check_page(c, &page("treatment")).await;

    let rosacea = el(
        c,
        Locator::Css("input[name=contraindications][value=rosacea]"),
    )
    .await;
    if !rosacea.is_selected().await.unwrap() {
        rosacea.click().await.unwrap();
    }
    submit(c, "#save-treatment").await;
    el(c, Locator::Id("override_reason-error")).await;
    check_page(c, &page("treatment-refused")).await;

    let reason = "Stable rosacea; shallow depth agreed";
    el(c, Locator::Id("override_reason"))
        .await
        .send_keys(reason)
        .await
        .unwrap();
    submit(c, "#save-treatment").await;
    el(c, Locator::Id("course-warnings")).await;
    assert_eq!(value_of(c, "override_reason").await, reason);
    check_page(c, &page("treatment-warnings")).await;
    click_through(c, el(c, Locator::Id("record-anyway")).await).await;
    el(c, Locator::Id("treatment-saved")).await;
    check_page(c, &page("plan")).await;
}

/// Flow 5: The audit log's patient picker: a name typed without accents, its matches, one chosen.
pub async fn audit_picker(c: &Client, page: Name<'_>) {
    nav(c, "/console/audit").await;
    type_into(c, "find", "fernandez lucia").await;
    submit(c, "form[role=search] button[type=submit]").await;
    let matches = text(c, "#patient-matches").await;
    assert!(matches.contains("Lucía Fernández"), "{matches}");
    check_page(c, &page("audit-matches")).await;
    click_through(c, el(c, Locator::Css("#patient-matches .matches a")).await).await;
    let chosen = text(c, "#audit-patient").await;
    assert!(chosen.contains("Lucía Fernández"), "{chosen}");
    check_page(c, &page("audit-patient")).await;
}

/// Flow 6: A staff member invited: the code shown once (not again on reload).
pub async fn staff_invitation(c: &Client, lang: &str, page: Name<'_>) {
    nav(c, "/console/staff").await;
    type_into(c, "email", &format!("carmen.{lang}@example.com")).await;
    type_into(c, "name", "Carmen Ruiz").await;
    submit(c, "form[action='/console/staff'] button[type=submit]").await;
    let code = text(c, "#staff-handover #invitation-code").await;
    assert!(!code.trim().is_empty());
    check_page(c, &page("staff-invited")).await;
    let here = c.current_url().await.unwrap().to_string();
    c.goto(&here).await.unwrap();
    el(c, Locator::Id("staff")).await;
    assert!(
        c.find(Locator::Id("staff-handover")).await.is_err(),
        "the code is shown once"
    );
}

/// Chooses `to` in the header's language picker and waits for the page it returns to.
async fn choose_language(c: &Client, to: &str) {
    el(c, Locator::Id("language-picker"))
        .await
        .select_by_value(to)
        .await
        .unwrap();
    submit(c, "form.language button[type=submit]").await;
}

async fn html_lang(c: &Client) -> Option<String> {
    el(c, Locator::Css("html"))
        .await
        .attr("lang")
        .await
        .unwrap()
}

/// Flow 7: The language picker: from a page in `lang` to the other language, back on the same page
/// (its query kept), then back again.
pub async fn language_picker(c: &Client, base: &str, lang: &str, page: Name<'_>) {
    let other = if lang == "en" { "es" } else { "en" };
    c.goto(&format!("{base}/console/?q=Luc%C3%ADa"))
        .await
        .unwrap();
    el(c, Locator::Id("q")).await;
    let before = c.current_url().await.unwrap();
    assert_eq!(html_lang(c).await.as_deref(), Some(lang));
    choose_language(c, other).await;
    let after = c.current_url().await.unwrap();
    assert_eq!(
        (after.path(), after.query()),
        (before.path(), before.query()),
        "back on the same page"
    );
    assert_eq!(html_lang(c).await.as_deref(), Some(other));
    assert_eq!(value_of(c, "q").await, "Lucía");
    check_page(c, &page(&format!("language-{other}"))).await;
    choose_language(c, lang).await;
    assert_eq!(html_lang(c).await.as_deref(), Some(lang));
}
