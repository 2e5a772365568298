//! Helpers for the console tests: a minimal browser over reqwest (keeps cookies, reads form
//! tokens out of pages) and signing in as a fixture staff member.

use reqwest::Response;
use reqwest::header::{COOKIE, SET_COOKIE};
use shared::db::users::User;
use shared::domain::ClinicId;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::helpers::TestApp;

/// Cookies kept like a browser keeps them for one origin.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(k, _)| k != name);
        self.cookies.push((name.to_owned(), value.to_owned()));
    }

    fn absorb(&mut self, resp: &Response) {
        for header in resp.headers().get_all(SET_COOKIE) {
            let text = header.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !attrs.to_ascii_lowercase().contains("max-age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let resp = self
            .app
            .client
            .get(format!("{}{path}", self.app.address))
            .header(COOKIE, self.header())
            .send()
            .await
            .unwrap();
        self.absorb(&resp);
        resp
    }

    /// The page's status and HTML.
    pub async fn page(&mut self, path: &str) -> (u16, String) {
        let resp = self.get(path).await;
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let resp = self
            .app
            .client
            .post(format!("{}{path}", self.app.address))
            .header(COOKIE, self.header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.absorb(&resp);
        resp
    }

    /// Posts `fields` with the form token read from the page at `from`.
    pub async fn submit(&mut self, from: &str, to: &str, fields: &[(&str, &str)]) -> Response {
        let (status, html) = self.page(from).await;
        assert_eq!(status, 200, "{from}: {html}");
        let token = csrf_in(&html);
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(to, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        self.submit(
            "/console/sign-in",
            "/console/sign-in",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The first form token in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no form token in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Where a redirect points.
pub fn location(resp: &Response) -> String {
    resp.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A staff member of `role` in a new clinic, signed in to the console.
pub async fn signed_in<'a>(app: &'a TestApp, role: &'static str) -> (Browser<'a>, User) {
    let (user, _) = app.staff(role).await;
    let mut b = Browser::new(app);
    let r = b.sign_in(&user.email, FIXTURE_PASSWORD).await;
    assert_eq!(r.status(), 303, "sign-in failed");
    (b, user)
}

/// A staff member of `role` in `clinic`, signed in to the console.
pub async fn signed_in_to<'a>(
    app: &'a TestApp,
    clinic: &ClinicId,
    role: &'static str,
) -> (Browser<'a>, User) {
    let (user, _) = app.staff_in(clinic, role).await;
    let mut b = Browser::new(app);
    let r = b.sign_in(&user.email, FIXTURE_PASSWORD).await;
    assert_eq!(r.status(), 303, "sign-in failed");
    (b, user)
}

/// A patient of `clinic` with the given names (searchable), active.
pub async fn patient_named(app: &TestApp, clinic: &ClinicId, given: &str, family: &str) -> User {
    let (clinic, given, family) = (clinic.clone(), given.to_owned(), family.to_owned());
    app.db
        .run(move |c| {
            let u = shared::testing::fixtures::user(c, &clinic, "patient");
            let p = shared::db::patients::PatientProfile {
                family_name: Some(family),
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
        .unwrap()
}
