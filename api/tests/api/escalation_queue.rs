//! The escalation queue a nurse can act on, on both backends: the API's items name what was
//! reported, the rule, the patient's phone and who resolved when (and the OpenAPI document says
//! so); the console groups a patient's same-day alerts with urgent ones on top, links the
//! phone, shows the open count in the navigation, confirms a resolution, keeps a bad note as
//! typed, and gives its resolved tab columns of their own. Another clinic's alert is a 404.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use shared::db::users::User;
use shared::domain::ClinicId;

use crate::both_backends;
use crate::console_support::{Browser, location, signed_in, signed_in_to};
use crate::helpers::TestApp;
use crate::treatments::{rfc, treatment_body};

/// A patient of `clinic` named `given family` with `phone`, treated six days ago; with their
/// access token.
pub(crate) async fn treated_patient(
    app: &TestApp,
    staff_token: &str,
    clinic: &ClinicId,
    given: &str,
    family: &str,
    phone: Option<&str>,
) -> (User, String) {
    let (clinic, given, family, phone) = (
        clinic.clone(),
        given.to_owned(),
        family.to_owned(),
        phone.map(str::to_owned),
    );
    let user = app
        .db
        .run(move |c| {
            let u = shared::testing::fixtures::user(c, &clinic, "patient");
            let p = shared::db::patients::PatientProfile {
                family_name: Some(family),
                phone,
                ..shared::db::patients::PatientProfile::with_defaults(
                    &u.id.as_patient(),
                    &clinic,
                    &given,
                    shared::domain::TimeZone::parse("Europe/Madrid").unwrap(),
                    shared::domain::Locale::En,
                    shared::time::now(),
                )
            };
            shared::db::patients::insert(c, &p)?;
            Ok(u)
        })
        .await
        .unwrap();
    let mut body = treatment_body(1);
    body["performed_at"] = json!(rfc(Utc::now() - Duration::days(6)));
    let r = app
        .post_json(
            &format!("/v1/clinic/patients/{}/treatments", user.id),
            Some(staff_token),
            &body,
        )
        .await;
    assert_eq!(r.status(), 201);
    let token = app.token_for(&user);
    (user, token)
}

pub(crate) async fn check_in(app: &TestApp, token: &str, redness: i32, pain: i32, symptoms: Value) {
    let r = app
        .post_json("/v1/me/check-ins", Some(token), &json!({"redness": redness, "swelling": 2, "pain": pain, "peeling": false, "symptoms": symptoms}))
        .await;
    assert_eq!(r.status(), 201);
}

async fn items(app: &TestApp, token: &str, status: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/v1/clinic/escalations?status={status}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// The `<tr>` of the queue that holds `needle`.
fn row_with<'h>(html: &'h str, needle: &str) -> &'h str {
    html.split("<tr")
        .find(|r| r.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle}: {html}"))
}

fn form_fields(row: &str) -> (String, Vec<String>) {
    let action = row
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let with = row
        .split("name=\"with\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    (action, with)
}

async fn resolve_from_queue(
    b: &mut Browser<'_>,
    action: &str,
    with: &[String],
    note: &str,
) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = vec![("note", note)];
    for w in with {
        fields.push(("with", w));
    }
    b.submit("/console/escalations", action, &fields).await
}

both_backends! {
    async fn api_items_name_what_was_reported_the_rule_the_phone_and_the_resolver(app) {
        let (staff, token) = app.staff("clinician").await;
        let (mara, mara_token) = treated_patient(&app, &token, &staff.clinic_id, "Mara", "Rossi", Some("+34600111222")).await;
        check_in(&app, &mara_token, 8, 3, json!(["pus", "spreading_redness"])).await;

        let open = items(&app, &token, "open").await;
        assert_eq!(open.len(), 1);
        let e = &open[0];
        assert_eq!(e["patient_id"], mara.id.to_string());
        assert_eq!(e["patient_name"], "Mara Rossi");
        assert_eq!(e["patient_phone"], "+34600111222");
        assert_eq!(e["rule"], "warning_sign");
        assert_eq!(e["severity"], "urgent");
        assert_eq!(e["symptoms"], json!(["pus", "spreading_redness"]));
        assert_eq!(e["scores"], json!({"redness": 8, "swelling": 2, "pain": 3}));
        assert!(e["resolved_at"].is_null() && e["resolved_by"].is_null());

        let id = e["id"].as_str().unwrap();
        let r = app.post_json(&format!("/v1/clinic/escalations/{id}/resolve"), Some(&token), &json!({"note": "Phoned; seen today"})).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["resolved_by_name"], staff.name);
        let resolved = items(&app, &token, "resolved").await;
        let e = &resolved[0];
        assert_eq!(e["resolved_by"], staff.id.to_string());
        assert_eq!(e["resolved_by_name"], staff.name);
        assert_eq!(e["resolution_note"], "Phoned; seen today");
        let at = e["resolved_at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "RFC 3339: {at}");
        assert_eq!(e["scores"]["redness"], 8, "the resolved item keeps what was reported");

        // Another clinic's staff see none of it, and cannot resolve it.
        let (_, their_token) = app.staff("clinician").await;
        assert!(items(&app, &their_token, "resolved").await.is_empty());
        let r = app.post_json(&format!("/v1/clinic/escalations/{id}/resolve"), Some(&their_token), &json!({"note": "not mine"})).await;
        assert_eq!(r.status(), 404);

        // The OpenAPI document: closed sets as enums, timestamps as date-time.
        let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        let schemas = &doc["components"]["schemas"];
        let item = &schemas["EscalationItem"]["properties"];
        for field in ["symptoms", "scores", "rule", "patient_phone", "resolved_at", "resolved_by"] {
            assert!(item.get(field).is_some(), "EscalationItem lacks {field}: {item}");
        }
        let text = item.to_string();
        assert!(text.contains("#/components/schemas/TriageReason"), "{text}");
        assert!(text.contains("#/components/schemas/Symptom"), "{text}");
        let rules: Vec<&str> = schemas["TriageReason"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(rules, ["warning_sign", "redness_not_fading", "redness_worsening", "strong_pain"]);
        for ts in ["created_at", "resolved_at"] {
            assert!(item[ts].to_string().contains("date-time"), "{ts}: {}", item[ts]);
        }
    }

    async fn the_console_groups_a_patients_day_puts_urgent_on_top_and_confirms_a_resolution(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        // Luis waits longest, with a routine alert; Mara has a routine then an urgent one today.
        let (_, luis_token) = treated_patient(&app, &token, &staff.clinic_id, "Luis", "Gómez", None).await;
        check_in(&app, &luis_token, 8, 2, json!([])).await;
        let (mara, mara_token) = treated_patient(&app, &token, &staff.clinic_id, "Mara", "Rossi", Some("+34 600 111 222")).await;
        check_in(&app, &mara_token, 8, 2, json!([])).await;
        check_in(&app, &mara_token, 5, 2, json!(["fever"])).await;
        assert_eq!(items(&app, &token, "open").await.len(), 3);

        let (status, html) = b.page("/console/escalations").await;
        assert_eq!(status, 200);
        // The badge in the navigation: the count, and its meaning for a screen reader.
        assert!(html.contains("Escalations <span class=\"badge alert\">3<span class=\"visually-hidden\"> open</span></span>"), "{html}");
        // One row per patient and day: Mara's two alerts share a row, on top (urgent, marked
        // by a word and an icon, not colour alone), urgent reason first.
        let body = html.split("<tbody>").nth(1).unwrap();
        assert_eq!(body.matches("<tr").count(), 2, "{body}");
        let first = row_with(body, "Mara Rossi");
        assert!(body.find("Mara Rossi").unwrap() < body.find("Luis Gómez").unwrap(), "urgent on top");
        assert!(first.starts_with(" class=\"urgent\""));
        assert!(first.contains("⚠ </span>Urgent"));
        let fever = first.find("Warning sign reported: fever — call the patient today").expect("the urgent rule in words");
        let redness = first.find("Redness not fading by day 5").expect("the routine rule in words");
        assert!(fever < redness, "urgent first within the group");
        assert!(first.contains("Reported: Fever. Redness 5/10 · Swelling 2/10 · Pain 2/10"), "{first}");
        assert!(first.contains("2 alerts from this patient today"));
        assert!(first.contains("href=\"tel:+34600111222\""), "E.164 digits in the href: {first}");
        assert!(first.contains(">0 min<") || first.contains(">1 min<"), "{first}");
        assert!(first.contains("Resolve all 2"));
        assert!(row_with(body, "Luis Gómez").contains("No phone on file"));
        assert!(!html.contains("redness_not_fading") && !html.contains(">routine<") && !html.contains("spreading_redness"), "no raw codes");

        // Resolving the group resolves both, audited once per alert, and says what happened.
        let (action, with) = form_fields(first);
        assert_eq!(with.len(), 1);
        let r = resolve_from_queue(&mut b, &action, &with, "Phoned; seen today, swab taken").await;
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert!(to.starts_with("/console/escalations?resolved="), "{to}");
        let (_, html) = b.page(&to).await;
        assert!(html.contains("Resolved 2 alerts for Mara Rossi (urgent, the first opened "), "{html}");
        assert!(html.contains("ago). Note saved."));
        assert!(html.contains("Escalations <span class=\"badge alert\">1<"), "the badge follows");
        assert!(!html.split("<tbody>").nth(1).unwrap().contains("Mara Rossi"));
        let (_, admin_token) = app.staff_in(&staff.clinic_id, "clinic_admin").await;
        let audit: Value = app.get(&format!("/v1/clinic/audit?patient_id={}", mara.id), Some(&admin_token)).await.json().await.unwrap();
        let resolves = audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "escalation.resolve").count();
        assert_eq!(resolves, 2, "one audit entry per alert resolved");
        // A second resolution of the same group: the first stands.
        let r = resolve_from_queue(&mut b, &action, &with, "again").await;
        assert_eq!(r.status(), 409);

        // The resolved tab: columns of their own for who, when, how long and the note.
        let (_, html) = b.page("/console/escalations?status=resolved").await;
        for th in ["Resolved by", "Resolved at", "Time to resolve", "Note"] {
            assert!(html.contains(&format!("<th scope=\"col\">{th}</th>")), "{th}");
        }
        let row = row_with(&html, "Warning sign reported: fever");
        assert!(row.contains(&format!("class=\"resolved-by\">{}</td>", staff.name)), "{row}");
        assert!(row.contains("class=\"time-to-resolve\">0 min</td>") || row.contains("class=\"time-to-resolve\">1 min</td>"), "{row}");
        assert!(row.contains("class=\"note\">Phoned; seen today, swab taken</td>"));
        assert_eq!(html.matches("Phoned; seen today, swab taken").count(), 2, "both alerts of the group");

        // With nothing open the badge goes away.
        let (_, html) = b.page("/console/escalations").await;
        let luis = row_with(html.split("<tbody>").nth(1).unwrap(), "Luis Gómez").to_owned();
        let (action, with) = form_fields(&luis);
        assert!(with.is_empty());
        let r = resolve_from_queue(&mut b, &action, &with, "Called, redness fading").await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Resolved the alert for Luis Gómez (routine, opened "), "{html}");
        assert!(!html.contains("class=\"badge alert\""));
    }

    async fn a_bad_note_keeps_what_was_typed_next_to_its_error(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let (mara, mara_token) = treated_patient(&app, &token, &staff.clinic_id, "Mara", "Rossi", None).await;
        check_in(&app, &mara_token, 5, 2, json!(["pus"])).await;
        let (_, html) = b.page("/console/escalations").await;
        let (action, with) = form_fields(row_with(&html, "Mara Rossi"));
        let long = format!("Phoned the patient {}", "x".repeat(2000));
        let r = resolve_from_queue(&mut b, &action, &with, &long).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        let row = row_with(&html, "Mara Rossi");
        assert!(row.contains(&format!("value=\"{long}\"")), "the note as typed");
        assert!(row.contains("aria-invalid=\"true\""));
        assert!(row.contains("The note is too long: at most 2,000 characters."));
        let r = resolve_from_queue(&mut b, &action, &with, "   ").await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Write what you did before resolving"));
        assert_eq!(items(&app, &token, "open").await.len(), 1, "nothing was resolved");

        // From the record, the record comes back with the note and its error.
        let from = format!("/console/patients/{}", mara.id);
        let r = b.submit(&from, &action, &[("note", &long), ("back", "patient")]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"patient-name\""), "the record page");
        assert!(html.contains(&format!("value=\"{long}\"")) && html.contains("The note is too long"));
        let r = b.submit(&from, &action, &[("note", "Called; fine"), ("back", "patient")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{from}?done=resolved"));
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Alert resolved; your note is saved with it."), "confirmed on the record");
    }

    async fn another_clinics_alert_is_a_404_even_inside_a_group(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let (_, mine_token) = treated_patient(&app, &token, &staff.clinic_id, "Mara", "Rossi", None).await;
        check_in(&app, &mine_token, 5, 2, json!(["fever"])).await;
        let (theirs, their_token) = app.staff("clinician").await;
        let (_, patient_token) = treated_patient(&app, &their_token, &theirs.clinic_id, "Ana", "Otra", Some("+34600999888")).await;
        check_in(&app, &patient_token, 5, 2, json!(["pus"])).await;
        let their_id = items(&app, &their_token, "open").await[0]["id"].as_str().unwrap().to_owned();

        let (_, html) = b.page("/console/escalations").await;
        assert!(!html.contains("Ana Otra") && !html.contains("600999888") && !html.contains(&their_id));
        assert!(html.contains("<span class=\"badge alert\">1<"), "only my clinic's alerts are counted");
        let (action, _) = form_fields(row_with(&html, "Mara Rossi"));
        // Theirs alone, or smuggled into my group: 404, and nothing is resolved.
        let r = resolve_from_queue(&mut b, &format!("/console/escalations/{their_id}/resolve"), &[], "not mine").await;
        assert_eq!(r.status(), 404);
        let r = resolve_from_queue(&mut b, &action, std::slice::from_ref(&their_id), "not mine").await;
        assert_eq!(r.status(), 404);
        assert_eq!(items(&app, &token, "open").await.len(), 1);
        assert_eq!(items(&app, &their_token, "open").await.len(), 1);
        // In Spanish, in clinic words too.
        let r = b.submit("/console/escalations", "/console/language", &[("lang", "es"), ("back", "/console/escalations")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page("/console/escalations").await;
        assert!(html.contains("Signo de alarma comunicado: fiebre; llame al paciente hoy"), "{html}");
        assert!(html.contains("Enrojecimiento 5/10 · Hinchazón 2/10 · Dolor 2/10"));
        assert!(html.contains("Alertas <span class=\"badge alert\">1<span class=\"visually-hidden\"> abiertas</span>"));
        assert!(html.contains("data-label=\"Tiempo abierta\""));
        // Their console counts theirs.
        let (mut other, _) = signed_in_to(&app, &theirs.clinic_id, "clinician").await;
        let (_, html) = other.page("/console/").await;
        assert!(html.contains("<span class=\"badge alert\">1<"));
    }
}
