//! The patient web app at `/app/`: server-rendered pages for patients, installable (web app
//! manifest, a service worker scoped to `/app/`), served by the API binary from the same origin.
//! Plain HTML forms; a little script (`app.js`: the service worker's registration and emptying
//! caches on sign-out; `sw.js`: offline copies and Web Push). Every page reads and writes through
//! the same `shared::care` use cases as the patient API (`/v1/me/*`); another patient's ids are
//! the 404 page.
//!
//! - [`session`]: the cookie session, the CSRF token on every form, and
//!   [`session::start_session`] for other ways of signing in;
//! - [`auth`]: sign in, sign out, the invitation link; [`code`]: signing in with a one-time
//!   code sent by email;
//! - [`today`] (today, timeline, a prompt, acknowledging), [`check_in`], [`screening`] (the
//!   questions before a booked session), [`next_session`],
//!   [`settings`] (preferences, devices, account: export and erase), [`sms`] (consent to text
//!   messages): the screens;
//! - [`assets`]: the stylesheet, scripts, manifest, icons and offline page, compiled in;
//! - [`page`]: rendering, headers (CSP), error pages; [`strings`]: every text (en, es).
//!
//! Not part of the OpenAPI document: it serves HTML to people, not JSON to apps.

pub mod account;
pub mod assets;
pub mod auth;
pub mod check_in;
pub mod code;
pub mod next_session;
pub mod notifications;
pub mod page;
pub mod screening;
pub mod session;
pub mod settings;
pub mod sms;
pub mod strings;
pub mod today;

use actix_web::dev::Service;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use strings::Lang;

/// `/app` without the slash.
async fn to_root() -> HttpResponse {
    page::see_other("/app/")
}

/// The app's routes, all inside one scope so every page shares the language middleware; a new
/// screen adds its route here, before the default (404) service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.route("/app", get().to(to_root)).service(
        web::scope("/app")
            .wrap_fn(|req, srv| {
                // The browser's language until the session says the patient's (`session`).
                let lang = req
                    .headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
                    .unwrap_or(Lang::En);
                page::in_language(lang, srv.call(req))
            })
            .app_data(page::query_config())
            .configure(assets::configure)
            .route("/", get().to(today::today))
            .service(
                resource("/sign-in")
                    .get(auth::sign_in_form)
                    .post(auth::sign_in),
            )
            .service(
                resource("/sign-in/code")
                    .get(code::request_form)
                    .post(code::request_code),
            )
            .service(
                resource("/sign-in/code/redeem")
                    .get(code::redeem_form)
                    .post(code::redeem),
            )
            .route("/sign-out", post().to(auth::sign_out))
            .route("/signed-out", get().to(auth::signed_out))
            .service(
                resource("/invitation")
                    .get(auth::invitation_form)
                    .post(auth::accept_invitation),
            )
            .route("/timeline", get().to(today::timeline))
            .route("/prompts/{id}", get().to(today::prompt))
            .route("/prompts/{id}/acknowledge", post().to(today::acknowledge))
            .service(
                resource("/check-in")
                    .get(check_in::form)
                    .post(check_in::submit),
            )
            .route("/check-in/answer", get().to(check_in::answer))
            .service(
                resource("/screening")
                    .get(screening::form)
                    .post(screening::submit),
            )
            .route("/screening/answer", get().to(screening::answer))
            .route("/next-session", get().to(next_session::show))
            .route("/next-session.ics", get().to(next_session::ics))
            .route("/settings", get().to(settings::index))
            .service(
                resource("/preferences")
                    .get(settings::preferences)
                    .post(settings::save_preferences),
            )
            .service(resource("/texts").get(sms::show).post(sms::change))
            .route("/devices", get().to(account::devices))
            .route("/notifications", get().to(notifications::show))
            .service(
                resource("/push-subscriptions")
                    .post(notifications::subscribe)
                    .delete(notifications::unsubscribe),
            )
            .route("/devices/{id}/remove", post().to(account::remove_device))
            .route("/account", get().to(account::account))
            .route("/export.json", get().to(account::export))
            .service(
                resource("/account/erase")
                    .get(account::confirm_erase)
                    .post(account::erase),
            )
            .default_service(web::to(page::not_found)),
    );
}
