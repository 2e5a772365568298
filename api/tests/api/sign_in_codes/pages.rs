//! The web app's pages: `/app/sign-in/code` and `/app/sign-in/code/redeem`.

use super::*;
use crate::console_support::{Browser, location};

async fn ask_page<'a>(b: &mut Browser<'a>, who: &str) -> reqwest::Response {
    b.submit("/app/sign-in/code", "/app/sign-in/code", &[("who", who)])
        .await
}

async fn redeem_page<'a>(b: &mut Browser<'a>, who: &str, code: &str) -> reqwest::Response {
    b.submit(
        "/app/sign-in/code/redeem",
        "/app/sign-in/code/redeem",
        &[("who", who), ("code", code)],
    )
    .await
}

both_backends_with_smtp! {
    async fn a_patient_signs_in_to_the_app_with_an_emailed_code(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut b = Browser::new(&app);
        let (status, html) = b.page("/app/sign-in/code").await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"who\"") && html.contains("href=\"/app/sign-in\""), "{html}");

        let r = ask_page(&mut b, &patient.email).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("If an account exists, we sent a code"), "{html}");
        for attr in ["autocomplete=\"one-time-code\"", "inputmode=\"numeric\"",
            &format!("value=\"{}\"", patient.email)] {
            assert!(html.contains(attr), "{attr}: {html}");
        }
        let (mail, code) = nth_sign_in_code(&smtp, &patient.email, 1).await;

        // The email's link opens the code form with the address filled in.
        let text = mail.body_text();
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/app/sign-in/code/redeem?email="))
            .unwrap_or_else(|| panic!("no link in {text}"));
        let path = link.trim_start_matches(app.config.public_url.as_str());
        let mut from_mail = Browser::new(&app);
        let (status, html) = from_mail.page(path).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("value=\"{}\"", patient.email)), "{html}");

        // A wrong code: 401, the form again, no session.
        let r = redeem_page(&mut from_mail, &patient.email, &other_than(&code)).await;
        assert_eq!(r.status(), 401);
        assert!(from_mail.cookie("aftercare_app").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains("wrong, already used or expired"), "{html}");

        // The right one: the app's session, then today.
        let r = redeem_page(&mut from_mail, &patient.email, &code).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/");
        assert!(from_mail.cookie("aftercare_app").is_some());
        let (status, html) = from_mail.page("/app/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Hello, Ana"), "{html}");

        // Used: the same refusal as a wrong one.
        let r = redeem_page(&mut b, &patient.email, &code).await;
        assert_eq!(r.status(), 401);
    }

    async fn the_code_pages_tell_nobody_which_accounts_exist(app, smtp) {
        let mut b = Browser::new(&app);
        let r = ask_page(&mut b, "nobody@example.test").await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("If an account exists, we sent a code"));
        let r = ask_page(&mut b, "+34 699 000 111").await;
        assert_eq!(r.status(), 200);
        assert_no_mail(&smtp).await;

        // Neither an email nor a phone number: the form again, saying what to type.
        let r = ask_page(&mut b, "hello").await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("aria-invalid=\"true\""));

        // Without the form's token: refused.
        let r = b.post("/app/sign-in/code", &[("who", "nobody@example.test")]).await;
        assert_eq!(r.status(), 403);
        let r = b
            .post("/app/sign-in/code/redeem", &[("who", "nobody@example.test"), ("code", "123456")])
            .await;
        assert_eq!(r.status(), 403);
    }

    async fn the_code_page_is_throttled_as_the_sign_in(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let code = code_for(&app, &smtp, &patient.email, 1).await;
        let mut b = Browser::new(&app);
        for _ in 0..5 {
            let r = redeem_page(&mut b, &patient.email, &other_than(&code)).await;
            assert_eq!(r.status(), 401);
        }
        let r = redeem_page(&mut b, &patient.email, &code).await;
        assert_eq!(r.status(), 429);
        assert!(b.cookie("aftercare_app").is_none());
    }
}
