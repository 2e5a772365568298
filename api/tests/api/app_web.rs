//! The patient web app (`/app/`): signing in and out, the invitation link, the form tokens, the
//! headers and the installable shell. The screens are in `app_web_screens.rs`.

use serde_json::{Value, json};
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::both_backends;
use crate::console_support::{Browser, csrf_in, location};
use crate::helpers::TestApp;

/// A clinician's token, and a patient of theirs (Europe/Madrid) signed in to the app.
pub async fn signed_in_patient(app: &TestApp) -> (Browser<'_>, String, String) {
    let (staff, staff_token) = app.staff("clinician").await;
    let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
    let mut b = Browser::new(app);
    let r = sign_in(&mut b, &patient.email, FIXTURE_PASSWORD).await;
    assert_eq!(r.status(), 303, "sign-in failed");
    assert_eq!(location(&r), "/app/");
    (b, staff_token, patient.id.into_string())
}

pub async fn sign_in(b: &mut Browser<'_>, email: &str, password: &str) -> reqwest::Response {
    b.submit(
        "/app/sign-in",
        "/app/sign-in",
        &[("email", email), ("password", password)],
    )
    .await
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

both_backends! {
    async fn a_patient_signs_in_and_sees_today_with_the_clinics_phone(app) {
        // Signed out: today is the sign-in page.
        let mut anon = Browser::new(&app);
        let r = anon.get("/app/").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/sign-in");
        let (status, html) = anon.page("/app/sign-in").await;
        assert_eq!(status, 200);
        assert!(html.contains("href=\"/app/sign-in/code\""), "the code link: {html}");

        let (mut b, _, _) = signed_in_patient(&app).await;
        let r = b.get("/app/").await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("Hello, Ana"), "{html}");
        assert!(html.contains("href=\"tel:+34600000000\""), "the clinic's phone: {html}");
        for link in ["/app/timeline", "/app/check-in", "/app/next-session", "/app/settings"] {
            assert!(html.contains(&format!("href=\"{link}\"")), "{link} in the nav");
        }
        // The cookie: HttpOnly, SameSite=Lax, Path=/app (no https here, so not Secure).
        let (mut c, _, _) = signed_in_patient(&app).await;
        let r = c.get("/app/sign-in").await;
        let set = header(&r, "set-cookie");
        assert!(set.contains("aftercare_app_pre="), "{set}");
        let r = c.post("/app/sign-in", &[("csrf", &csrf_in(&r.text().await.unwrap()))]).await;
        assert_eq!(r.status(), 401);
    }

    async fn the_session_cookie_and_headers_are_strict(app) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut b = Browser::new(&app);
        let r = sign_in(&mut b, &patient.email, FIXTURE_PASSWORD).await;
        let set = header(&r, "set-cookie");
        let session = set
            .lines()
            .find(|l| l.starts_with("aftercare_app="))
            .unwrap_or_else(|| panic!("{set}"));
        // Max-Age: 30 days, as long as the server keeps the session.
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/app", "Max-Age=2592000"] {
            assert!(session.contains(attr), "{attr}: {session}");
        }
        let r = b.get("/app/").await;
        let csp = header(&r, "content-security-policy");
        for d in ["script-src 'self'", "style-src 'self'", "worker-src 'self'",
            "manifest-src 'self'", "connect-src 'self'", "frame-ancestors 'none'",
            "form-action 'self'", "base-uri 'none'"] {
            assert!(csp.contains(d), "{d}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(header(&r, "cache-control"), "no-store");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script>") && !html.contains(" style="), "no inline script or style");
    }

    async fn wrong_passwords_and_staff_are_refused(app) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut b = Browser::new(&app);
        let r = sign_in(&mut b, &patient.email, "not-the-password").await;
        assert_eq!(r.status(), 401);
        assert!(b.cookie("aftercare_app").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains("did not match"), "{html}");

        // A staff member with the right password is told where to go, and gets no session.
        let r = sign_in(&mut b, &staff.email, FIXTURE_PASSWORD).await;
        assert_eq!(r.status(), 403);
        assert!(b.cookie("aftercare_app").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains("clinic staff") && html.contains("href=\"/console/sign-in\""), "{html}");

        // A console session's secret opens no app page, and the other way round.
        let (mut desk, _) = crate::console_support::signed_in(&app, "clinician").await;
        let secret = desk.cookie("aftercare_console").unwrap();
        let mut forged = Browser::new(&app);
        forged.set_cookie("aftercare_app", &secret);
        assert_eq!(forged.get("/app/").await.status(), 303);
        let (pb, _, _) = signed_in_patient(&app).await;
        desk.set_cookie("aftercare_console", &pb.cookie("aftercare_app").unwrap());
        assert_eq!(desk.get("/console/").await.status(), 303);
    }

    async fn a_post_without_the_form_token_is_refused(app) {
        let (mut b, _, _) = signed_in_patient(&app).await;
        let r = b.post("/app/preferences", &[("timezone", "UTC"), ("locale", "en")]).await;
        assert_eq!(r.status(), 403);
        let html = r.text().await.unwrap();
        assert!(html.contains("This form has expired"), "{html}");
        let r = b.post("/app/sign-out", &[("csrf", "forged")]).await;
        assert_eq!(r.status(), 403);
        assert_eq!(b.get("/app/").await.status(), 200, "still signed in");
        // The sign-in form's token is bound to this browser's pre-session cookie.
        let mut other = Browser::new(&app);
        let r = other.post("/app/sign-in", &[("csrf", "x"), ("email", "a@b.test"), ("password", "p")]).await;
        assert_eq!(r.status(), 403);
    }

    async fn signing_out_ends_the_session_and_clears_caches(app) {
        let (mut b, _, _) = signed_in_patient(&app).await;
        let secret = b.cookie("aftercare_app").unwrap();
        let r = b.submit("/app/", "/app/sign-out", &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/signed-out");
        assert_eq!(header(&r, "clear-site-data"), "\"cache\"");
        assert!(b.cookie("aftercare_app").is_none(), "the cookie is removed");
        let (status, html) = b.page("/app/signed-out").await;
        assert_eq!(status, 200);
        assert!(html.contains("aftercare-signed-out"), "the page's script empties the caches");
        // The old secret is dead on the server too.
        let mut replay = Browser::new(&app);
        replay.set_cookie("aftercare_app", &secret);
        assert_eq!(replay.get("/app/timeline").await.status(), 303);
    }

    async fn the_invitation_link_sets_a_password_and_signs_in(app) {
        let (_, admin) = app.staff("clinic_admin").await;
        let body = json!({"email": "lucia@example.test", "given_name": "Lucía",
            "timezone": "Europe/Madrid", "locale": "es"});
        let r = app.post_json("/v1/clinic/patients", Some(&admin), &body).await;
        assert_eq!(r.status(), 201);
        let enrolled: Value = r.json().await.unwrap();
        let link = enrolled["invitation"]["link"].as_str().unwrap().to_owned();
        let path = link.strip_prefix(&app.config.public_url).unwrap().to_owned();
        assert!(path.starts_with("/app/invitation?code="), "{path}");
        let code = path.split("code=").nth(1).unwrap().to_owned();

        let mut b = Browser::new(&app);
        // Spanish by the browser's language before any session: the page's own words.
        let (status, html) = b.page(&path).await;
        assert_eq!(status, 200, "{html}");
        // A weak password: the form again, with why.
        let r = b.submit(&path, "/app/invitation", &[("code", &code), ("password", "short")]).await;
        assert_eq!(r.status(), 422);
        let r = b.submit(&path, "/app/invitation", &[("code", &code), ("password", "blue-canyon-river-7")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/");
        let (status, html) = b.page("/app/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Hola, Lucía"), "the patient's language: {html}");
        assert!(html.contains("lang=\"es\""));

        // Used now: a clear page, not the form.
        let mut again = Browser::new(&app);
        let (status, html) = again.page(&path).await;
        assert_eq!(status, 410);
        assert!(html.contains("invitation link is not valid"), "{html}");
        let (status, _) = again.page("/app/invitation?code=NOPE-NOPE-NOPE-NOPE").await;
        assert_eq!(status, 410);
        // The password works for signing in.
        let r = sign_in(&mut again, "lucia@example.test", "blue-canyon-river-7").await;
        assert_eq!(r.status(), 303);
    }

    async fn the_apps_errors_are_pages_with_retry_after_when_locked(app) {
        let (mut b, _, _) = signed_in_patient(&app).await;
        // Query strings that do not parse: the app's 400 page, not a problem document.
        for path in ["/app/invitation?code=a&code=b", "/app/preferences?saved=1&saved=2",
            "/app/sign-in/code/redeem?email=a&email=b"] {
            let r = b.get(path).await;
            assert_eq!(r.status(), 400, "{path}");
            assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8", "{path}");
            let html = r.text().await.unwrap();
            assert!(html.contains("<html") && html.contains("could not be understood"), "{path}: {html}");
        }
        // Bytes that are not UTF-8 in a query are never problem+json either.
        let r = b.get("/app/invitation?code=%FF").await;
        assert!(header(&r, "content-type").starts_with("text/html"), "{}", r.status());

        // Too many wrong passwords: the 429 page says when to try again.
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut other = Browser::new(&app);
        let mut last = None;
        for _ in 0..8 {
            let r = sign_in(&mut other, &patient.email, "not-the-password").await;
            if r.status() == 429 {
                last = Some(r);
                break;
            }
        }
        let r = last.expect("the account locks");
        let retry: u64 = header(&r, "retry-after").parse().unwrap();
        assert!(retry >= 1, "{retry}");
        assert!(r.text().await.unwrap().contains("Too many attempts"));
    }

    async fn the_app_is_installable_and_its_assets_are_compressed(app) {
        let r = app.get("/app/manifest.webmanifest", None).await;
        assert_eq!(r.status(), 200);
        let m: Value = r.json().await.unwrap();
        assert_eq!(m["start_url"], "/app/");
        assert_eq!(m["scope"], "/app/");
        assert_eq!(m["display"], "standalone");
        let sizes: Vec<&str> = m["icons"].as_array().unwrap().iter()
            .map(|i| i["sizes"].as_str().unwrap()).collect();
        assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");
        for (path, ty) in [("/app/icon-192.png", "image/png"), ("/app/icon-512.png", "image/png"),
            ("/app/icon.svg", "image/svg+xml"), ("/app/sw.js", "text/javascript; charset=utf-8"),
            ("/app/app.js", "text/javascript; charset=utf-8"), ("/app/app.css", "text/css; charset=utf-8")] {
            let r = app.get(path, None).await;
            assert_eq!(r.status(), 200, "{path}");
            assert_eq!(header(&r, "content-type"), ty, "{path}");
        }
        let sw = app.get("/app/sw.js", None).await.text().await.unwrap();
        for needle in ["\"push\"", "\"notificationclick\"", "showNotification", "\"sign-out\"", "/app/timeline"] {
            assert!(sw.contains(needle), "{needle} in sw.js");
        }
        // The shell cache is named after its files, so new files reach the patients.
        assert!(!sw.contains("ASSETS_HASH") && !sw.contains("\"shell-v1\""), "{sw}");
        let version: String = sw.split("var SHELL = \"shell-").nth(1).unwrap()
            .chars().take_while(char::is_ascii_hexdigit).collect();
        assert_eq!(version.len(), 16, "{sw}");
        assert_eq!(app.get("/app/sw.js", None).await.text().await.unwrap(), sw, "the same each time");
        // Signing out deletes this browser's push subscription before the form is sent.
        let js = app.get("/app/app.js", None).await.text().await.unwrap();
        for needle in ["DELETE", "/app/push-subscriptions", "X-CSRF-Token", "unsubscribe", "aftercare-sign-in"] {
            assert!(js.contains(needle), "{needle} in app.js");
        }
        let (status, _) = Browser::new(&app).page("/app/offline").await;
        assert_eq!(status, 200);
        // gzip when accepted, for text assets.
        let r = app.client.get(format!("{}/app/app.css", app.address))
            .header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(header(&r, "content-encoding"), "gzip");
        // An unknown app path is the app's 404 page.
        let (status, html) = Browser::new(&app).page("/app/nothing-here").await;
        assert_eq!(status, 404);
        assert!(html.contains("<html"), "a page, not JSON");
    }
}
