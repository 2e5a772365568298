//! Front-desk onboarding in the console: after enrolment the invitation page shows the code and
//! what actually happened to the email, prints a sheet with a QR code of the web-app link, makes
//! new codes, and "Edit details" corrects a patient (every POST answered with a 303).

use serde_json::Value;

use crate::auth_support::{accept, nth_code, tokens};
use crate::console_support::{Browser, location, signed_in, signed_in_to};
use crate::helpers::TestApp;
use crate::{both_backends, both_backends_with_smtp};

const GOOD: &str = "blue-canyon-river-7";

/// The code shown on an invitation page.
fn code_on(html: &str) -> Option<String> {
    let rest = html.split("id=\"invitation-code\"").nth(1)?;
    let code = rest.split('>').nth(1)?.split('<').next()?.trim().to_owned();
    Some(code)
}

/// Enrols through the form; returns the patient's id (from the 303's target).
async fn enrol(b: &mut Browser<'_>, email: &str) -> String {
    let r = b
        .submit(
            "/console/patients/new",
            "/console/patients/new",
            &[
                ("email", email),
                ("given_name", "Lucía"),
                ("family_name", "Gómez"),
                ("phone", "+34 600 111 222"),
                ("timezone", "Europe/Madrid"),
                ("locale", "es"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(!to.contains("code"), "no code in a URL: {to}");
    to.strip_prefix("/console/patients/")
        .and_then(|s| s.strip_suffix("/invitation"))
        .unwrap_or_else(|| panic!("redirect to the invitation page, not {to}"))
        .to_owned()
}

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<String> {
    let log: Value = app
        .get("/v1/clinic/audit", Some(admin))
        .await
        .json()
        .await
        .unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn the_front_desk_hands_the_code_over_without_email(app) {
        let (mut desk, staff) = signed_in(&app, "clinician").await;
        let id = enrol(&mut desk, "lucia@example.test").await;
        let page = format!("/console/patients/{id}/invitation");
        let (status, html) = desk.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("Email is not set up: give the patient this code."), "{html}");
        assert!(!html.contains("emailed"), "{html}");
        let code = code_on(&html).expect("the code is on the page");
        assert!(html.contains(&format!("/app/invitation?code={code}")), "the link");
        assert!(html.contains(&format!("href=\"{page}/sheet\"")), "Print the sheet");

        // The printable sheet: the clinic, the patient's first name, the link, a QR code drawn
        // in SVG attributes only (the CSP allows no inline style), in the patient's language.
        let (status, sheet) = desk.page(&format!("{page}/sheet")).await;
        assert_eq!(status, 200);
        assert!(sheet.contains("Test Clinic") && sheet.contains("Hola, Lucía"), "{sheet}");
        assert!(sheet.contains(&format!("/app/invitation?code={code}")));
        let svg = sheet.split("<svg").nth(1).expect("an inline SVG QR code");
        assert!(svg.contains("role=\"img\"") && svg.contains("<path"), "{svg}");
        assert!(!sheet.contains("style="), "no inline style");
        assert!(!sheet.contains("<script"));

        let (_, admin) = app.staff_in(&staff.clinic_id, "clinic_admin").await;

        // A new code: POST-redirect-GET with a confirmation; the old code dies.
        let r = desk.submit(&page, &page, &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{page}?done=new"));
        let (_, html) = desk.page(&location(&r)).await;
        assert!(html.contains("A new code was made"), "{html}");
        let new = code_on(&html).expect("the new code");
        assert_ne!(new, code);
        crate::helpers::problem(accept(&app, &code, GOOD).await, 422).await;

        // A colleague of the clinic without the code in their browser sees no code; another
        // clinic's staff get the 404 page.
        let (mut colleague, _) = signed_in_to(&app, &staff.clinic_id, "clinician").await;
        let (status, html) = colleague.page(&page).await;
        assert_eq!(status, 200);
        assert!(code_on(&html).is_none(), "{html}");
        assert!(html.contains("The code is shown only just after it is made"));
        let r = colleague.get(&format!("{page}/sheet")).await;
        assert_eq!(r.status(), 303, "nothing to print without the code");
        let (mut stranger, _) = signed_in(&app, "clinician").await;
        assert_eq!(stranger.page(&page).await.0, 404);
        assert_eq!(stranger.page(&format!("{page}/sheet")).await.0, 404);

        // The record links to the invitation while the patient is invited; reading the page
        // is audited as a read of the patient.
        let (_, record) = desk.page(&format!("/console/patients/{id}")).await;
        assert!(record.contains(&format!("href=\"{page}\"")), "{record}");
        assert!(record.contains(&format!("href=\"/console/patients/{id}/details\"")));
        assert!(audit_actions(&app, &admin).await.iter().filter(|a| *a == "patient.read").count() >= 3);

        tokens(accept(&app, &new, GOOD).await).await;
        let (_, html) = desk.page(&page).await;
        assert!(code_on(&html).is_none());
        assert!(html.contains("already activated"), "{html}");
        let (_, record) = desk.page(&format!("/console/patients/{id}")).await;
        assert!(!record.contains(&format!("href=\"{page}\"")), "active: no invitation link");
    }

    async fn edit_details_keeps_what_was_typed_and_confirms(app) {
        let (mut desk, _) = signed_in(&app, "clinician").await;
        let id = enrol(&mut desk, "lucia@example.test").await;
        enrol(&mut desk, "berta@example.test").await;
        let form = format!("/console/patients/{id}/details");
        let (status, html) = desk.page(&form).await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"lucia@example.test\"") && html.contains("value=\"Gómez\""), "{html}");
        assert!(html.contains("<label for=\"phone\">"));

        // A bad phone: 422, the field named, everything typed kept.
        let r = desk
            .submit(&form, &form, &[("email", "lucia@example.test"), ("phone", "call me"),
                ("given_name", "Lucia Maria"), ("family_name", "Gómez Ruiz")])
            .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"phone-error\"") && html.contains("value=\"call me\""), "{html}");
        assert!(html.contains("value=\"Lucia Maria\"") && html.contains("value=\"Gómez Ruiz\""));

        // Another patient's email: 409, by the field, typed values kept.
        let r = desk
            .submit(&form, &form, &[("email", "berta@example.test"), ("phone", ""),
                ("given_name", "Lucia Maria"), ("family_name", "")])
            .await;
        assert_eq!(r.status(), 409);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"email-error\"") && html.contains("value=\"berta@example.test\""), "{html}");

        // Saved: 303 to the form with a confirmation; the phone and family name cleared.
        let r = desk
            .submit(&form, &form, &[("email", "lucia@example.test"), ("phone", ""),
                ("given_name", "Lucia Maria"), ("family_name", "")])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{form}?done=saved"));
        let (_, html) = desk.page(&location(&r)).await;
        assert!(html.contains("Details saved."), "{html}");
        assert!(html.contains("value=\"Lucia Maria\"") && html.contains("id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"off\" value=\"\""), "{html}");

        // A corrected email of a waiting patient: a new code, shown on the invitation page.
        let r = desk
            .submit(&form, &form, &[("email", "lucia.g@example.test"), ("phone", "+34 611 000 999"),
                ("given_name", "Lucia Maria"), ("family_name", "")])
            .await;
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert_eq!(to, format!("/console/patients/{id}/invitation?done=new"));
        let (_, html) = desk.page(&to).await;
        let code = code_on(&html).expect("the new code");
        assert!(desk.cookie("aftercare_console_handover").is_some());

        // Signing out forgets the code this browser held.
        let r = desk.submit("/console/", "/console/sign-out", &[]).await;
        assert_eq!(r.status(), 303);
        assert!(desk.cookie("aftercare_console_handover").is_none());
        let t = tokens(accept(&app, &code, GOOD).await).await;
        assert_eq!(t["user_id"], id.as_str());
    }
}

both_backends_with_smtp! {
    async fn the_page_says_emailed_only_when_the_server_accepted_it(app, smtp) {
        let (mut desk, _) = signed_in(&app, "clinician").await;
        let id = enrol(&mut desk, "lucia@example.test").await;
        let (_, html) = desk.page(&format!("/console/patients/{id}/invitation")).await;
        assert!(html.contains("Invitation emailed to l…@example.test."), "{html}");
        let (_, mailed) = nth_code(&smtp, "lucia@example.test", 1).await;
        assert_eq!(code_on(&html).as_deref(), Some(mailed.as_str()));
        assert!(html.contains("Email a new code"));

        // A configured server that refuses: the error page, and the enrolment is undone.
        smtp.refuse_recipients(421, "service not available");
        let r = desk
            .submit("/console/patients/new", "/console/patients/new", &[
                ("email", "maya@example.test"), ("given_name", "Maya"),
                ("timezone", "Europe/Madrid"), ("locale", "en")])
            .await;
        assert_eq!(r.status(), 503);

        // One that refuses the address itself: the form again, the error by the email.
        smtp.refuse_recipients(550, "5.1.1 no such mailbox");
        let r = desk
            .submit("/console/patients/new", "/console/patients/new", &[
                ("email", "nadie@example.test"), ("given_name", "Maya"),
                ("timezone", "Europe/Madrid"), ("locale", "en")])
            .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"email-error\"") && html.contains("value=\"nadie@example.test\""), "{html}");
    }
}

#[test]
fn no_template_of_the_onboarding_pages_has_an_inline_style() {
    for t in [
        "onboarding.html",
        "invitation_sheet.html",
        "details.html",
        "staff.html",
    ] {
        let path = format!("{}/templates/console/{t}", env!("CARGO_MANIFEST_DIR"));
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(!html.contains("style="), "{t}");
        assert!(!html.contains("<script"), "{t}");
    }
}
