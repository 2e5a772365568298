//! The console's protocol pages (issue 29): a draft from the default, a prompt edited, added and
//! removed, refusals shown beside their fields with a summary, the triage thresholds, preview,
//! compare, and publishing (admins only, with the current patients re-planned when asked);
//! another clinic's versions and malformed addresses are the 404 page.

use shared::care::StaffActor;
use shared::care::protocols::{self, Versioned};
use shared::db::users::User;
use shared::domain::ProtocolId;
use shared::protocol::document::PromptDocument;

use crate::both_backends;
use crate::console_support::{Browser, csrf_in, location, signed_in, signed_in_to};
use crate::helpers::TestApp;
use crate::treatments::{record, treatment_body};

fn actor(u: &User) -> StaffActor {
    StaffActor {
        clinic_id: u.clinic_id.clone(),
        user_id: u.id.clone(),
    }
}

async fn stored(app: &TestApp, u: &User, id: &str) -> Versioned {
    protocols::get(&app.db, &actor(u), &ProtocolId::from(id))
        .await
        .unwrap()
}

/// A new draft from the default, made in the console; its id.
async fn new_draft(b: &mut Browser<'_>) -> String {
    let r = b
        .submit(
            "/console/protocols",
            "/console/protocols",
            &[("based_on", "default")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    to.strip_prefix("/console/protocols/").unwrap().to_owned()
}

/// The prompt form's fields for `p`, as the page would post them.
fn fields_of(p: &PromptDocument) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("key".into(), p.key.clone()),
        ("kind".into(), p.kind.clone()),
        ("anchor".into(), p.anchor.clone()),
        ("day".into(), p.day.to_string()),
        ("time".into(), p.time.clone()),
        ("texts.en.title".into(), p.texts.en.title.clone()),
        ("texts.en.body".into(), p.texts.en.body.clone()),
        ("texts.es.title".into(), p.texts.es.title.clone()),
        ("texts.es.body".into(), p.texts.es.body.clone()),
    ];
    let c = &p.conditions;
    for a in c.areas.iter().flatten() {
        f.push(("conditions.areas".into(), a.clone()));
    }
    for d in c.devices.iter().flatten() {
        f.push(("conditions.devices".into(), d.clone()));
    }
    if let Some(v) = c.min_depth_mm {
        f.push(("conditions.min_depth_mm".into(), v.to_string()));
    }
    if let Some(v) = c.max_depth_mm {
        f.push(("conditions.max_depth_mm".into(), v.to_string()));
    }
    if let Some(prp) = c.prp {
        f.push((
            "conditions.prp".into(),
            if prp { "with" } else { "without" }.into(),
        ));
    }
    if let Some(course) = &c.course {
        f.push(("conditions.course".into(), course.clone()));
    }
    if p.important {
        f.push(("important".into(), "1".into()));
        f.push((
            "ack_window_minutes".into(),
            p.ack_window_minutes.unwrap_or(60).to_string(),
        ));
    }
    if p.reassuring {
        f.push(("reassuring".into(), "1".into()));
    }
    for fact in &p.facts {
        f.push(("facts".into(), fact.clone()));
    }
    if let Some(ci) = &p.clinic_instruction {
        f.push(("clinic_instruction.clinician".into(), ci.clinician.clone()));
    }
    f
}

fn with(mut f: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    f.retain(|(k, _)| k != name);
    f.push((name.into(), value.into()));
    f
}

/// The value of the hidden input `name` in a page.
fn hidden_in(html: &str, name: &str) -> Option<String> {
    let marker = format!("type=\"hidden\" name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned())
}

/// The form `from` draws, posted to `to` with `f`: its token, and the draft's revision and the
/// prompt's stored key when the page carries them (unless `f` names them).
fn form_of(html: &str, f: &[(String, String)]) -> Vec<(String, String)> {
    let mut all = vec![("csrf".to_owned(), csrf_in(html))];
    for name in ["revision", "prompt_key"] {
        if f.iter().any(|(k, _)| k == name) {
            continue;
        }
        if let Some(v) = hidden_in(html, name) {
            all.push((name.to_owned(), v));
        }
    }
    all.extend_from_slice(f);
    all
}

async fn post_form(b: &mut Browser<'_>, to: &str, f: &[(String, String)]) -> (u16, String) {
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post(to, &fields).await;
    let status = r.status().as_u16();
    let loc = location(&r);
    let body = r.text().await.unwrap();
    (status, if status == 303 { loc } else { body })
}

async fn post(b: &mut Browser<'_>, from: &str, to: &str, f: &[(String, String)]) -> (u16, String) {
    let (status, html) = b.page(from).await;
    assert_eq!(status, 200, "{from}: {html}");
    post_form(b, to, &form_of(&html, f)).await
}

both_backends! {
    async fn a_clinician_edits_a_prompt_of_a_draft_made_from_the_default(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (status, html) = b.page("/console/protocols").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"nav-protocols\""), "the navigation links the protocol");
        assert!(html.replace("&#39;", "'").contains("use the product's default protocol"), "{html}");
        let id = new_draft(&mut b).await;
        let draft = stored(&app, &staff, &id).await;
        let count = draft.document.prompts.len();
        assert!(count >= 16, "the default's prompts are copied: {count}");

        let (status, html) = b.page(&format!("/console/protocols/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Version 1") && html.contains("Draft"));
        assert!(html.contains("After the treatment") && html.contains("Before the booked session"));
        assert_eq!(html.matches("/prompt?n=").count(), count, "every prompt linked once");
        assert!(!html.contains("id=\"publish-link\""), "a clinician does not publish");

        let page = format!("/console/protocols/{id}/prompt?n=0");
        let (status, html) = b.page(&page).await;
        assert_eq!(status, 200);
        let first = &draft.document.prompts[0];
        assert!(html.contains(&format!("value=\"{}\"", first.key)), "{html}");
        let words = "Evite el gimnasio durante 48 horas.";
        let (status, to) = post(&mut b, &page, &page, &with(fields_of(first), "texts.es.body", words)).await;
        assert_eq!(status, 303, "{to}");
        assert_eq!(to, format!("/console/protocols/{id}?saved=1"));
        let after = stored(&app, &staff, &id).await;
        assert_eq!(after.document.prompts[0].texts.es.body, words);
        assert_eq!(after.document.prompts[1..], draft.document.prompts[1..], "only that prompt");
        let (_, html) = b.page(&to).await;
        assert!(html.contains("Saved."));
        assert!(html.contains("Changed "), "the history says who changed it: {html}");
    }

    async fn a_refused_prompt_is_shown_beside_its_fields_with_a_summary(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let draft = stored(&app, &staff, &id).await;
        let page = format!("/console/protocols/{id}/prompt?n=3");
        let fields = fields_of(&draft.document.prompts[3]);

        let (status, html) = post(&mut b, &page, &page, &with(fields.clone(), "day", "tomorrow")).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"error-summary\""));
        assert!(html.contains("href=\"#f-day\""), "the summary links the field");
        assert!(html.contains("id=\"f-day-error\"") && html.contains("must be a whole number"));
        assert!(html.contains("value=\"tomorrow\""), "what was typed is kept");

        // The document's validation names `prompts[3].texts.es.body`: shown at that field.
        let (status, html) = post(&mut b, &page, &page, &with(fields.clone(), "texts.es.body", "")).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("href=\"#f-texts-es-body\""), "{html}");
        assert!(html.contains("id=\"f-texts-es-body-error\""));
        assert!(html.contains("#f-texts-es-body\">Spanish message</a>: "), "the summary names the field in words");
        assert_eq!(stored(&app, &staff, &id).await.document, draft.document, "nothing saved");

        // In Spanish.
        b.set_cookie("console_lang", "es");
        let (status, html) = post(&mut b, &page, &page, &with(fields.clone(), "day", "mañana")).await;
        assert_eq!(status, 422);
        assert!(html.contains("debe ser un número entero"), "{html}");
        assert!(html.contains("No se guardó nada"));
        let (status, html) = post(&mut b, &page, &page, &with(fields, "time", "9am")).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"f-time-error\""), "{html}");
        assert!(html.contains("debe ser una hora como HH:MM"), "the document's finding in Spanish");
    }

    async fn prompts_are_added_and_removed_after_a_confirmation(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let before = stored(&app, &staff, &id).await.document.prompts.len();
        let new = format!("/console/protocols/{id}/prompt/new");
        let (status, html) = b.page(&new).await;
        assert_eq!(status, 200);
        assert!(html.contains("New prompt"));
        let fields: Vec<(String, String)> = [
            ("key", "no_gym_48h"), ("kind", "aftercare"), ("anchor", "treatment"), ("day", "1"),
            ("time", "10:00"), ("texts.en.title", "No gym yet"),
            ("texts.en.body", "Please skip the gym for 48 hours after your session."),
            ("texts.es.title", "Aún sin gimnasio"),
            ("texts.es.body", "No vaya al gimnasio en las 48 horas siguientes a la sesión."),
            ("clinic_instruction.clinician", "Dra. Ana Ruiz"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let (status, to) = post(&mut b, &new, &new, &fields).await;
        assert_eq!(status, 303, "{to}");
        let doc = stored(&app, &staff, &id).await.document;
        assert_eq!(doc.prompts.len(), before + 1);
        let added = doc.prompts.last().unwrap();
        assert_eq!(added.key, "no_gym_48h");
        assert_eq!(added.clinic_instruction.as_ref().unwrap().clinician, "Dra. Ana Ruiz");
        assert!(added.facts.is_empty());

        let remove = format!("/console/protocols/{id}/prompt/remove?n={before}");
        let (status, html) = b.page(&remove).await;
        assert_eq!(status, 200);
        assert!(html.contains("No gym yet") && html.contains("Remove the prompt"));
        let (status, to) = post(&mut b, &remove, &remove, &[]).await;
        assert_eq!(status, 303);
        assert_eq!(to, format!("/console/protocols/{id}?removed=1"));
        assert_eq!(stored(&app, &staff, &id).await.document.prompts.len(), before);
    }

    async fn triage_thresholds_are_saved_within_their_bounds(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let doc = stored(&app, &staff, &id).await.document;
        let page = format!("/console/protocols/{id}/triage");
        let (status, html) = b.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("Allowed "), "the ranges are shown");
        // Every threshold as stored, the first routine rule's first threshold moved by one.
        let (rule, field, value) = doc
            .triage
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.severity == "routine")
            .find_map(|(i, r)| {
                let w = serde_json::to_value(&r.when).unwrap();
                w.as_object()?.iter().find_map(|(k, v)| {
                    (k.ends_with("_min") || k.ends_with("_max")).then(|| (i, k.clone(), v.as_i64().unwrap()))
                })
            })
            .expect("a routine rule with a threshold");
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, r) in doc.triage.rules.iter().enumerate() {
            let w = serde_json::to_value(&r.when).unwrap();
            for (k, v) in w.as_object().unwrap() {
                if let Some(n) = v.as_i64() {
                    fields.push((format!("triage.rules[{i}].when.{k}"), n.to_string()));
                }
            }
            for s in r.when.symptoms_any.iter().flatten() {
                fields.push((format!("triage.rules[{i}].when.symptoms_any"), s.clone()));
            }
            fields.push((format!("triage.rules[{i}].severity"), r.severity.clone()));
        }
        let name = format!("triage.rules[{rule}].when.{field}");
        let input = format!("f-triage-rules-{rule}-when-{field}");
        let nudged = if value > 0 { value - 1 } else { value + 1 };
        let (status, to) = post(&mut b, &page, &page, &with(fields.clone(), &name, &nudged.to_string())).await;
        assert_eq!(status, 303, "{to}");
        let saved = serde_json::to_value(&stored(&app, &staff, &id).await.document.triage.rules[rule].when).unwrap();
        assert_eq!(saved[&field], nudged);

        let (status, html) = post(&mut b, &page, &page, &with(fields.clone(), &name, "lots")).await;
        assert_eq!(status, 422);
        assert!(html.contains(&format!("id=\"{input}-error\"")), "{html}");
        let (status, html) = post(&mut b, &page, &page, &with(fields, &name, &(value + 5).to_string())).await;
        assert_eq!(status, 422, "beyond 2 of the default is refused");
        assert!(html.contains(&format!("href=\"#{input}\"")), "{html}");
    }

    async fn a_draft_is_previewed_and_compared_with_the_default(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let draft = stored(&app, &staff, &id).await;
        let preview = format!("/console/protocols/{id}/preview");
        let (status, html) = b.page(&preview).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"preview-form\"") && !html.contains("id=\"preview-plan\""));
        let (status, html) = b
            .page(&format!("{preview}?performed_at=2026-12-01T10%3A00&areas=face&depth=1.0&device=pen&session_number=1&planned_sessions=3&lang=es"))
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"preview-plan\""));
        let day_one = draft.document.prompts.iter().find(|p| p.anchor == "treatment" && p.day == 1 && p.conditions == Default::default()).unwrap();
        let title = day_one.texts.es.title.replace('\'', "&#39;");
        assert!(html.contains(&title), "the day-1 prompt in Spanish: {title}: {html}");
        let (status, html) = b.page(&format!("{preview}?performed_at=soon&areas=face&depth=9")).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"f-performed_at-error\"") && html.contains("id=\"f-depth-error\""));

        let page = format!("/console/protocols/{id}/prompt?n=0");
        let words = "Dear patient, rest today.";
        let (status, _) = post(&mut b, &page, &page, &with(fields_of(&draft.document.prompts[0]), "texts.en.body", words)).await;
        assert_eq!(status, 303);
        let (status, html) = b.page(&format!("/console/protocols/compare?before=default&after={id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("Prompt {}", draft.document.prompts[0].key)), "{html}");
        assert!(html.contains(words) && html.contains("English message"));
        let (status, _) = b.page("/console/protocols/compare").await;
        assert_eq!(status, 200, "the form alone");
    }

    async fn publishing_is_for_admins_and_freezes_the_version(app) {
        let (mut admin, staff) = signed_in(&app, "clinic_admin").await;
        let (mut clinician, _) = signed_in_to(&app, &staff.clinic_id, "clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        record(&app, &app.token_for(&staff), patient.id.as_str(), &treatment_body(1)).await;
        let id = new_draft(&mut clinician).await;
        let publish = format!("/console/protocols/{id}/publish");
        assert_eq!(clinician.page(&publish).await.0, 403);
        let token = csrf_in(&clinician.page(&format!("/console/protocols/{id}")).await.1);
        let r = clinician.post(&publish, &[("csrf", token.as_str())]).await;
        assert_eq!(r.status(), 403, "a clinician cannot publish");

        let (status, html) = admin.page(&format!("/console/protocols/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"publish-link\""));
        let (status, html) = admin.page(&publish).await;
        assert_eq!(status, 200);
        assert!(html.contains("Also re-plan the 1 current patient"), "{html}");
        let (status, to) = post(&mut admin, &publish, &publish, &[("replan_current".into(), "1".into())]).await;
        assert_eq!(status, 303, "{to}");
        assert_eq!(to, format!("/console/protocols/{id}?published=1"));
        let (_, html) = admin.page(&to).await;
        assert!(html.contains("1 current patient was re-planned"), "{html}");
        let (_, html) = admin.page("/console/protocols").await;
        assert!(html.contains("Treatments recorded now use Version 1."), "{html}");

        // A published version is read only.
        let page = format!("/console/protocols/{id}/prompt?n=0");
        let (status, html) = admin.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"read-only\"") && !html.contains("id=\"save-prompt\""));
        let token = csrf_in(&html);
        let r = admin.post(&page, &[("csrf", token.as_str()), ("day", "2")]).await;
        assert_eq!(r.status(), 409);
        assert_eq!(admin.page(&publish).await.0, 409, "published once");

        // Changes go into a new draft made from it.
        let version = format!("/console/protocols/{id}");
        let (status, to) = post(&mut admin, &version, "/console/protocols", &[("based_on".into(), id.clone())]).await;
        assert_eq!(status, 303, "{to}");
        let (_, html) = admin.page(&to).await;
        assert!(html.contains("Version 2") && html.contains("Based on</dt><dd>Version 1"), "{html}");
    }

    async fn other_clinics_and_malformed_addresses_find_nothing(app) {
        let (mut b, _) = signed_in(&app, "clinic_admin").await;
        let id = new_draft(&mut b).await;
        let (mut other, _) = signed_in(&app, "clinic_admin").await;
        for path in [
            format!("/console/protocols/{id}"),
            format!("/console/protocols/{id}/prompt?n=0"),
            format!("/console/protocols/{id}/prompt/new"),
            format!("/console/protocols/{id}/prompt/remove?n=0"),
            format!("/console/protocols/{id}/triage"),
            format!("/console/protocols/{id}/preview"),
            format!("/console/protocols/{id}/publish"),
            format!("/console/protocols/compare?after={id}"),
        ] {
            assert_eq!(other.page(&path).await.0, 404, "{path}");
        }
        for path in [
            "/console/protocols/nope".to_owned(),
            format!("/console/protocols/{id}/prompt?n=9999"),
            format!("/console/protocols/{id}/prompt?n=-1"),
            format!("/console/protocols/{id}/prompt"),
            "/console/protocols/compare?before=nope".to_owned(),
            format!("/console/protocols/compare?after={}", id.to_uppercase()),
        ] {
            assert_eq!(b.page(&path).await.0, 404, "{path}");
        }
        // A form without its token changes nothing.
        let r = b.post(&format!("/console/protocols/{id}/prompt/remove?n=0"), &[]).await;
        assert_eq!(r.status(), 403);
        let r = b.post("/console/protocols", &[("based_on", "default")]).await;
        assert_eq!(r.status(), 403);
        // Starting from another clinic's version is refused.
        let (status, html) = post(&mut other, "/console/protocols", "/console/protocols", &[("based_on".into(), id.clone())]).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"create-error\""));
    }
    async fn a_body_with_browser_line_breaks_saves(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let draft = stored(&app, &staff, &id).await;
        let page = format!("/console/protocols/{id}/prompt?n=0");
        // A textarea's line breaks arrive as CR LF (and a lone CR from old systems).
        let typed = "Keep the area clean.\r\nAvoid the sun for 48 hours.\rCall us if it worsens.";
        let fields = with(fields_of(&draft.document.prompts[0]), "texts.en.body", typed);
        let (status, to) = post(&mut b, &page, &page, &fields).await;
        assert_eq!(status, 303, "{to}");
        let after = stored(&app, &staff, &id).await;
        assert_eq!(
            after.document.prompts[0].texts.en.body,
            "Keep the area clean.\nAvoid the sun for 48 hours.\nCall us if it worsens."
        );
    }

    async fn a_stale_save_is_refused_and_loses_nothing(app) {
        let (mut first, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut first).await;
        let (mut second, _) = signed_in_to(&app, &staff.clinic_id, "clinician").await;
        let draft = stored(&app, &staff, &id).await;
        let page = format!("/console/protocols/{id}/prompt?n=2");
        // Both open the same prompt.
        let (_, first_html) = first.page(&page).await;
        let (_, second_html) = second.page(&page).await;
        let fields = fields_of(&draft.document.prompts[2]);
        let theirs = with(fields.clone(), "texts.en.body", "Saved first, and kept.");
        let (status, to) = post_form(&mut first, &page, &form_of(&first_html, &theirs)).await;
        assert_eq!(status, 303, "{to}");

        let mine = with(fields, "texts.en.body", "Saved second, from a stale page.");
        let (status, html) = post_form(&mut second, &page, &form_of(&second_html, &mine)).await;
        assert_eq!(status, 409, "{html}");
        assert!(html.contains("This draft changed") && html.contains("id=\"conflict\""), "{html}");
        assert!(html.contains(&format!("href=\"/console/protocols/{id}/prompt?n=2\"")), "the current prompt is linked: {html}");
        assert!(html.contains("Saved second, from a stale page."), "what was typed is shown: {html}");
        let after = stored(&app, &staff, &id).await;
        assert_eq!(after.document.prompts[2].texts.en.body, "Saved first, and kept.");

        // Without a revision the form is not applied either.
        let (_, html) = second.page(&page).await;
        let no_revision: Vec<(String, String)> = form_of(&html, &mine)
            .into_iter()
            .filter(|(k, _)| k != "revision")
            .collect();
        let (status, _) = post_form(&mut second, &page, &no_revision).await;
        assert_eq!(status, 409);
        assert_eq!(stored(&app, &staff, &id).await.document, after.document);

        // In Spanish.
        second.set_cookie("console_lang", "es");
        let (status, html) = post_form(&mut second, &page, &form_of(&second_html, &mine)).await;
        assert_eq!(status, 409);
        assert!(html.contains("Este borrador cambió"), "{html}");
    }

    async fn a_second_submit_of_a_removal_removes_nothing_more(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let before = stored(&app, &staff, &id).await.document.prompts;
        let remove = format!("/console/protocols/{id}/prompt/remove?n=3");
        let (status, html) = b.page(&remove).await;
        assert_eq!(status, 200);
        let form = form_of(&html, &[]);
        let (status, to) = post_form(&mut b, &remove, &form).await;
        assert_eq!(status, 303, "{to}");
        let (status, html) = post_form(&mut b, &remove, &form).await;
        assert!(status == 409 || status == 404, "{status}: {html}");
        let after = stored(&app, &staff, &id).await.document.prompts;
        let mut expected = before.clone();
        expected.remove(3);
        assert_eq!(after, expected, "only the one prompt is gone");

        // A current form naming a prompt that is no longer there is the 404 page.
        let (_, html) = b.page(&format!("/console/protocols/{id}/prompt/remove?n=0")).await;
        let gone = with(form_of(&html, &[]), "prompt_key", &before[3].key);
        let (status, _) = post_form(&mut b, &remove, &gone).await;
        assert_eq!(status, 404);
        assert_eq!(stored(&app, &staff, &id).await.document.prompts, expected);
    }

    async fn a_refused_value_is_shown_without_control_characters(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let id = new_draft(&mut b).await;
        let draft = stored(&app, &staff, &id).await;
        let page = format!("/console/protocols/{id}/prompt?n=1");
        let fields = with(fields_of(&draft.document.prompts[1]), "texts.en.title", "Ice\u{0} it\u{1b}[31m now");
        let fields = with(fields, "texts.en.body", "Line one.\r\nLine\ttwo.\u{7}");
        let (status, html) = post(&mut b, &page, &page, &with(fields, "day", "soon")).await;
        assert_eq!(status, 422, "{html}");
        assert!(!html.contains('\u{0}') && !html.contains('\u{1b}') && !html.contains('\u{7}'));
        assert!(html.contains("Ice it[31m now"), "{html}");
        assert!(html.contains("Line one.\nLine\ttwo."), "line breaks and tabs are kept");
        assert_eq!(stored(&app, &staff, &id).await.document, draft.document);
    }

    async fn an_unknown_starting_point_shows_the_list_with_a_message(app) {
        let (mut b, _) = signed_in(&app, "clinician").await;
        for based_on in ["nope", "0190ABCD-0000-7000-8000-000000000000"] {
            let (status, html) = post(&mut b, "/console/protocols", "/console/protocols", &[("based_on".into(), based_on.into())]).await;
            assert_eq!(status, 422, "{html}");
            assert!(html.contains("id=\"create-error\"") && html.contains("Choose the default or one of the versions"), "{html}");
            assert!(html.contains("id=\"new-draft\""), "the list and its form are shown");
        }
    }
}
