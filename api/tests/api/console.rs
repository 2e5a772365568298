//! The console's sessions: sign in and out with a cookie (HttpOnly, SameSite=Strict,
//! Path=/console), the API's login throttle, no console for patients, the CSRF token on every
//! POST, a new staff member's invitation, and the console's headers.

use serde_json::json;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::auth_support::nth_code;
use crate::both_backends;
use crate::both_backends_with_smtp;
use crate::console_support::{Browser, csrf_in, location, signed_in};

both_backends! {
    async fn console_pages_need_a_session(app) {
        let mut b = Browser::new(&app);
        for path in ["/console/", "/console/escalations", "/console/patients/x", "/console/audit"] {
            let r = b.get(path).await;
            assert_eq!(r.status(), 303, "{path}");
            assert_eq!(location(&r), "/console/sign-in");
        }
        let r = b.get("/console").await;
        assert_eq!(location(&r), "/console/");
        let (status, html) = b.page("/console/sign-in").await;
        assert_eq!(status, 200);
        assert!(html.contains("<form method=\"post\" action=\"/console/sign-in\""));
        // A forged or stale cookie is no session.
        b.set_cookie("aftercare_console", "forged");
        assert_eq!(b.get("/console/").await.status(), 303);
    }

    async fn signing_in_sets_a_strict_cookie_and_signing_out_ends_the_session(app) {
        let (user, _) = app.staff("clinician").await;
        let mut b = Browser::new(&app);
        let r = b.sign_in(&user.email, FIXTURE_PASSWORD).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/console/");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("aftercare_console="))
            .expect("session cookie");
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        // Plain http public URL (the default): no Secure flag, or the browser would drop it.
        assert!(!cookie.contains("Secure"), "{cookie}");

        let r = b.get("/console/").await;
        assert_eq!(r.status(), 200);
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        assert!(html.contains(&user.name), "the header names who is signed in");
        assert!(!html.contains("<script"), "no script at all");
        assert!(!html.contains("style=\""), "no inline styles");

        // The stolen cookie of a signed-out session opens nothing.
        let stolen = b.cookie("aftercare_console").unwrap();
        let r = b.submit("/console/", "/console/sign-out", &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/console/sign-in");
        assert!(b.cookie("aftercare_console").is_none(), "cookie cleared");
        b.set_cookie("aftercare_console", &stolen);
        assert_eq!(b.get("/console/").await.status(), 303);
    }

    async fn signing_in_again_ends_the_browsers_earlier_session(app) {
        let (mut b, first) = signed_in(&app, "clinician").await;
        let earlier = b.cookie("aftercare_console").unwrap();
        // Someone else signs in at the same computer: their session replaces the first one,
        // which stops working everywhere, not only in this browser.
        let (second, _) = app.staff_in(&first.clinic_id, "clinician").await;
        assert_eq!(b.sign_in(&second.email, FIXTURE_PASSWORD).await.status(), 303);
        let current = b.cookie("aftercare_console").unwrap();
        assert_ne!(current, earlier);
        assert_eq!(b.get("/console/").await.status(), 200);
        b.set_cookie("aftercare_console", &earlier);
        assert_eq!(b.get("/console/").await.status(), 303, "the earlier session still opens pages");
        b.set_cookie("aftercare_console", &current);
        assert_eq!(b.get("/console/").await.status(), 200);

        // A cookie that names no session (expired, forged) is no obstacle to signing in.
        b.set_cookie("aftercare_console", "not-a-session");
        assert_eq!(b.sign_in(&first.email, FIXTURE_PASSWORD).await.status(), 303);
        assert_eq!(b.get("/console/").await.status(), 200);
    }

    async fn the_stylesheet_is_served_from_the_binary(app) {
        let r = app.get("/console/assets/console.css", None).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
        assert!(r.text().await.unwrap().contains(".grid"));
    }

    async fn patients_and_wrong_passwords_cannot_sign_in(app) {
        let (staff, _) = app.staff("clinic_admin").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut b = Browser::new(&app);
        let r = b.sign_in(&patient.email, FIXTURE_PASSWORD).await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("do not match a staff account"));
        let r = b.sign_in(&staff.email, "not-the-password").await;
        assert_eq!(r.status(), 401);
        assert!(b.cookie("aftercare_console").is_none());
        // A patient's correct password is still no API-style shortcut into the console.
        assert_eq!(b.get("/console/").await.status(), 303);
    }

    async fn the_console_shares_the_login_throttle(app) {
        let (staff, _) = app.staff("clinician").await;
        let mut b = Browser::new(&app);
        for _ in 0..5 {
            assert_eq!(b.sign_in(&staff.email, "wrong-password-1").await.status(), 401);
        }
        let r = b.sign_in(&staff.email, FIXTURE_PASSWORD).await;
        assert_eq!(r.status(), 429, "locked after five failures, even with the right password");
        assert!(r.text().await.unwrap().contains("Too many failed attempts"));
        // The API's login counts the same failures.
        let r = app
            .post_json(
                "/v1/auth/login",
                None,
                &json!({"email": staff.email, "password": FIXTURE_PASSWORD}),
            )
            .await;
        assert_eq!(r.status(), 429);
    }

    async fn every_post_needs_the_form_token(app) {
        let (mut b, _) = signed_in(&app, "clinic_admin").await;
        let (_, html) = b.page("/console/").await;
        let token = csrf_in(&html);
        for path in ["/console/sign-out", "/console/patients/new", "/console/staff"] {
            let r = b.post(path, &[("email", "x@example.test")]).await;
            assert_eq!(r.status(), 403, "{path} without a token");
            let body = r.text().await.unwrap();
            assert!(body.contains("did not come from the console"), "{body}");
            let r = b.post(path, &[("csrf", "0".repeat(64).as_str())]).await;
            assert_eq!(r.status(), 403, "{path} with a wrong token");
        }
        // The signed-in session is untouched by the refused sign-out.
        assert_eq!(b.get("/console/").await.status(), 200);
        // Another session's token does not fit this session.
        let (mut other, _) = signed_in(&app, "clinic_admin").await;
        let r = other.post("/console/sign-out", &[("csrf", token.as_str())]).await;
        assert_eq!(r.status(), 403);
        // The sign-in form's token is bound to its own pre-session cookie.
        let mut fresh = Browser::new(&app);
        let r = fresh.post("/console/sign-in", &[("csrf", token.as_str()), ("email", "a@b.c")]).await;
        assert_eq!(r.status(), 403);
        // Not a form at all.
        let r = app
            .client
            .post(format!("{}/console/sign-in", app.address))
            .json(&json!({"email": "a@b.c"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }

    async fn unknown_console_paths_are_html_404_pages(app) {
        let (mut b, _) = signed_in(&app, "clinician").await;
        let r = b.get("/console/no/such/page").await;
        assert_eq!(r.status(), 404);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    }
}

both_backends_with_smtp! {
    async fn a_new_clinician_accepts_the_invitation_in_the_console(app, smtp) {
        let (mut admin, _) = signed_in(&app, "clinic_admin").await;
        let r = admin
            .submit(
                "/console/staff",
                "/console/staff",
                &[("email", "new.clinician@example.test"), ("name", "Núria Puig"), ("role", "clinician")],
            )
            .await;
        assert_eq!(r.status(), 303, "POST-redirect-GET: a reload resubmits nothing");
        assert_eq!(location(&r), "/console/staff");
        let (_, html) = admin.page("/console/staff").await;
        assert!(html.contains("Núria Puig"));
        let (_, code) = nth_code(&smtp, "new.clinician@example.test", 1).await;
        assert!(html.contains("Invitation emailed to n…@example.test."), "{html}");
        assert!(html.contains(&code), "the code is shown once");
        let (_, again) = admin.page("/console/staff").await;
        assert!(!again.contains(&code), "and only once");

        let mut b = Browser::new(&app);
        let r = b
            .submit("/console/invitation", "/console/invitation", &[("code", code.as_str()), ("password", "short")])
            .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"password-error\""), "the error sits by the password field");
        let r = b
            .submit(
                "/console/invitation",
                "/console/invitation",
                &[("code", code.as_str()), ("password", "a-long-new-password-26")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (status, html) = b.page("/console/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Núria Puig"));
        // The code was spent.
        let mut again = Browser::new(&app);
        let r = again
            .submit(
                "/console/invitation",
                "/console/invitation",
                &[("code", code.as_str()), ("password", "a-long-new-password-26")],
            )
            .await;
        assert_eq!(r.status(), 422);
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let Some(app) = crate::helpers::TestApp::spawn_with(
        shared::db::Backend::Sqlite,
        &[("AFTERCARE_PUBLIC_URL", "https://clinic.example.com")],
    )
    .await
    else {
        return;
    };
    let r = app.get("/console/sign-in", None).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("aftercare_console_pre="), "{cookie}");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
}
