//! The clinic console: server-rendered pages for clinic staff at `/console/`, served by the API
//! binary (same origin, nothing else to deploy). Plain HTML forms, no script at all; one
//! stylesheet embedded in the binary. Every page reads and writes through the use cases in
//! `shared::care`, scoped to the signer's clinic; another clinic's ids are the 404 page.
//!
//! - [`session`]: the cookie session and the CSRF token on every form;
//! - [`auth`]: sign in, sign out, a new staff member's invitation;
//! - [`roster`], [`patient`] (with [`chart`] and [`devices`]), [`plan`], [`enrol`], [`treatment`], [`escalations`], [`audit`], [`staff`]:
//!   the pages; [`tomorrow`] (tomorrow's sessions with the patients' answers before them);
//!   [`onboarding`] (a patient's invitation code, its printable sheet) and
//!   [`details`] (correcting a patient's email, phone and names); [`protocols`] (the clinic's
//!   own aftercare protocol: versions, editor, preview, compare, publish);
//! - [`page`]: rendering, the console's headers (CSP) and error pages; [`strings`]: every text;
//!   [`labels`]: the words for every stored code; [`field_messages`]: validation messages.
//!
//! The console is not part of the OpenAPI document: it serves HTML to people, not JSON to apps.

mod audit;
mod auth;
pub mod chart;
mod clinical;
mod details;
mod devices;
mod enrol;
pub mod escalations;
pub(crate) mod field_messages;
pub mod labels;
mod language;
mod onboarding;
pub mod page;
pub mod patient;
mod plan;
mod protocols;
pub mod roster;
pub mod session;
mod staff;
pub mod strings;
pub mod tomorrow;
mod treatment;

use actix_web::dev::Service;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The console's stylesheet, compiled in.
const CSS: &str = include_str!("../../assets/console.css");

async fn stylesheet() -> HttpResponse {
    let mut resp = HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS);
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(page::CSP),
    );
    resp
}

/// `/console` without the slash.
async fn to_root() -> HttpResponse {
    page::see_other("/console/")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.route("/console", get().to(to_root)).service(
        web::scope("/console")
            .wrap_fn(|req, srv| {
                // The language this browser chose, else the browser's own; a signed-in staff
                // member's stored choice then wins (`session`).
                let lang = req
                    .cookie(language::LANG_COOKIE)
                    .and_then(|c| strings::Lang::from_tag(c.value()))
                    .or_else(|| {
                        req.headers()
                            .get(header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok())
                            .and_then(strings::Lang::from_accept_language)
                    })
                    .unwrap_or(strings::Lang::En);
                let path = match req.query_string() {
                    "" => req.path().to_owned(),
                    q => format!("{}?{q}", req.path()),
                };
                page::in_language(lang, path, srv.call(req))
            })
            .route("/", get().to(roster::roster))
            .route("/language", post().to(language::choose))
            .route("/assets/console.css", get().to(stylesheet))
            .route("/assets/onboarding.css", get().to(onboarding::stylesheet))
            .service(
                resource("/sign-in")
                    .get(auth::sign_in_form)
                    .post(auth::sign_in),
            )
            .route("/sign-out", post().to(auth::sign_out))
            .service(
                resource("/invitation")
                    .get(auth::invitation_form)
                    .post(auth::accept_invitation),
            )
            .service(
                resource("/patients/new")
                    .get(enrol::enrol_form)
                    .post(enrol::enrol),
            )
            .route("/patients/{id}", get().to(patient::show))
            .service(
                resource("/patients/{id}/invitation")
                    .get(onboarding::invitation_page)
                    .post(onboarding::new_code),
            )
            .route(
                "/patients/{id}/invitation/sheet",
                get().to(onboarding::sheet),
            )
            .service(
                resource("/patients/{id}/details")
                    .get(details::details_form)
                    .post(details::save_details),
            )
            .route("/patients/{id}/next-session", post().to(patient::book))
            .route(
                "/patients/{id}/sms-consent",
                post().to(patient::sms::change),
            )
            .route(
                "/patients/{id}/next-session/cancel",
                post().to(patient::cancel_booking),
            )
            .service(
                resource("/patients/{id}/discharge")
                    .get(patient::confirm_discharge)
                    .post(patient::discharge),
            )
            .service(
                resource("/patients/{id}/treatments/new")
                    .get(treatment::treatment_form)
                    .post(treatment::record_treatment),
            )
            .route(
                "/patients/{id}/treatments/{treatment}",
                get().to(plan::show),
            )
            .route("/tomorrow", get().to(tomorrow::tomorrow))
            .route("/escalations", get().to(escalations::queue))
            .route("/escalations/{id}/resolve", post().to(escalations::resolve))
            .route("/audit", get().to(audit::audit))
            .service(resource("/staff").get(staff::staff).post(staff::invite))
            .route("/staff/{id}/deactivate", post().to(staff::deactivate))
            .route("/staff/{id}/invitation", post().to(staff::resend))
            .configure(protocols::routes)
            .default_service(web::to(page::not_found)),
    );
}
