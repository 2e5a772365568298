//! The console speaks English and Spanish: the browser's `Accept-Language` before sign-in and
//! until a staff member chooses, then their own choice, kept on their account.

use reqwest::header::ACCEPT_LANGUAGE;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::both_backends;
use crate::console_support::{Browser, location, signed_in};

both_backends! {
    async fn the_sign_in_page_follows_the_browser_language(app) {
        let page = |lang: &'static str| {
            let req = app.client.get(format!("{}/console/sign-in", app.address));
            async move {
                req.header(ACCEPT_LANGUAGE, lang).send().await.unwrap().text().await.unwrap()
            }
        };
        let es = page("es-MX,es;q=0.9,en;q=0.5").await;
        assert!(es.contains(r#"<html lang="es">"#) && es.contains("Iniciar sesión"), "{es}");
        let en = page("de-DE, en;q=0.3").await;
        assert!(en.contains(r#"<html lang="en">"#) && en.contains("Sign in"));
        let other = page("fr-FR").await;
        assert!(other.contains(r#"<html lang="en">"#), "English when no language is spoken");
    }

    async fn a_staff_member_chooses_spanish_and_keeps_it(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (_, html) = b.page("/console/escalations").await;
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains(r#"name="back" value="/console/escalations""#));
        let resp = b
            .submit(
                "/console/escalations",
                "/console/language",
                &[("lang", "es"), ("back", "/console/escalations?status=resolved")],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), "/console/escalations?status=resolved");
        let (_, html) = b.page("/console/").await;
        assert!(html.contains(r#"<html lang="es">"#) && html.contains("Pacientes"), "{html}");
        // A patient enrolled from a Spanish console starts in Spanish.
        let (_, html) = b.page("/console/patients/new").await;
        assert!(html.contains(r#"<option value="es" selected>"#), "{html}");
        // This browser keeps the choice for pages answered before the session is read.
        let (status, html) = b.page("/console/no-such-page").await;
        assert_eq!(status, 404);
        assert!(html.contains(r#"<html lang="es">"#), "{html}");
        let resp = b.post("/console/patients/new", &[("csrf", "stale"), ("email", "x@example.test")]).await;
        assert_eq!(resp.status(), 403);
        assert!(resp.text().await.unwrap().contains(r#"<html lang="es">"#));
        // Stored on the account, not the cookie: another browser's sign-in is in Spanish too.
        let mut other = Browser::new(&app);
        other.sign_in(&staff.email, FIXTURE_PASSWORD).await;
        let (_, html) = other.page("/console/").await;
        assert!(html.contains(r#"<html lang="es">"#));
        let resp = b.submit("/console/", "/console/language", &[("lang", "en"), ("back", "https://elsewhere.example/")]).await;
        assert_eq!(location(&resp), "/console/", "never back to another origin");
        let (_, html) = b.page("/console/").await;
        assert!(html.contains(r#"<html lang="en">"#));
    }

    async fn an_unknown_language_is_refused(app) {
        let (mut b, _) = signed_in(&app, "clinician").await;
        let resp = b.submit("/console/", "/console/language", &[("lang", "fr")]).await;
        assert_eq!(resp.status(), 400);
    }
}
