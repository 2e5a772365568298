//! Who is using the patient web app, and proof that a form came from it.
//!
//! - The session is the cookie `aftercare_app` holding a random secret (HttpOnly,
//!   SameSite=Lax so a link from an email or a text message keeps the patient signed in,
//!   Path=/app, Secure when `AFTERCARE_PUBLIC_URL` is https, Max-Age 30 days); the server keeps only its hash
//!   (`shared::care::auth::app`), so any API replica serves any request. Nothing is kept in
//!   `localStorage`.
//! - CSRF: a synchronizer token bound to the session (OWASP CSRF Prevention Cheat Sheet,
//!   "Synchronizer Token Pattern"), as the console's: SHA-256 of the cookie secret under the
//!   app's own label, in every form and compared on every POST (SameSite=Lax alone would let a
//!   top-level cross-site POST through in some browsers). The sign-in and invitation forms,
//!   before any session, bind theirs to the pre-session cookie `aftercare_app_pre`.
//!
//! [`start_session`] is the door for any other way of signing a patient in (a redeemed sign-in
//! code): it opens the session and answers the redirect that sets its cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use shared::care::auth::app;
use shared::care::profile::{self, Me};
use shared::crypto::{random_token, token_hash};
use shared::domain::{PatientId, UserId};

pub use crate::console::session::Fields;

use super::page::{self, AppError, Nav};
use super::strings::Lang;
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "aftercare_app";
/// The pre-session cookie the sign-in and invitation forms' tokens are bound to.
pub const PRE_COOKIE: &str = "aftercare_app_pre";
/// Largest form body read.
const FORM_LIMIT: usize = 16 * 1024;

/// The CSRF token for a cookie secret.
pub fn csrf_for(secret: &str) -> String {
    token_hash(&format!("app-csrf:{secret}"))
}

/// A cookie of the app's kind: HttpOnly, SameSite=Lax, Path=/app, Secure behind https.
pub fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/app")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.public_url.starts_with("https://"))
        .finish()
}

/// The same cookie, expired.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new());
    c.make_removal();
    c
}

/// The pre-session secret of this browser, or a new one (`true`: the caller sets the cookie).
pub fn pre_secret(req: &HttpRequest) -> (String, bool) {
    match req.cookie(PRE_COOKIE).map(|c| c.value().to_owned()) {
        Some(v) if v.len() >= 32 => (v, false),
        _ => (random_token(), true),
    }
}

/// The session secret this browser holds, if any.
pub fn session_secret(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// Answers a new app session: 303 to `/app/` setting its cookie (and dropping the pre-session
/// one).
pub fn signed_in(state: &AppState, secret: String) -> Result<HttpResponse, AppError> {
    let mut resp = page::see_other("/app/");
    let mut session = cookie(state, SESSION_COOKIE, secret);
    // The browser keeps it as long as the server keeps the session (`app::SESSION_TTL`, 30
    // days); the server's expiry stays the authority.
    session.set_max_age(actix_web::cookie::time::Duration::seconds(
        app::SESSION_TTL.num_seconds(),
    ));
    resp.add_cookie(&session)
        .map_err(|_| AppError::internal("cookie"))?;
    resp.add_removal_cookie(&removal(state, PRE_COOKIE))
        .map_err(|_| AppError::internal("cookie"))?;
    Ok(resp)
}

/// Signs in a patient whom the caller has already authenticated (a redeemed sign-in code, say):
/// ends the session this browser held, opens a new one and answers 303 to `/app/` with its
/// cookie. Errors: `AppError(Forbidden)` (the 403 page) when `user_id` is not an active
/// patient's account.
pub async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    user_id: &UserId,
) -> Result<HttpResponse, AppError> {
    let secret = app::open(&state.db, user_id, session_secret(req)).await?;
    signed_in(state, secret)
}

/// A signed-in patient, with their profile and clinic as they are now.
pub struct Patient {
    pub id: PatientId,
    pub me: Me,
    /// The CSRF token of this session, for the page's forms.
    pub csrf: String,
}

impl Patient {
    /// The header of this patient's pages, with `current` marked in the navigation.
    pub fn nav(&self, current: &'static str) -> Option<Nav> {
        Some(Nav {
            csrf: self.csrf.clone(),
            phone: self
                .me
                .clinic
                .contact_phone
                .as_ref()
                .map(|p| (p.clone(), page::tel(p))),
            current,
        })
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("app state missing"))
}

async fn authenticate(req: HttpRequest) -> Result<Patient, AppError> {
    let state = state_of(&req)?;
    let secret = session_secret(&req).ok_or_else(AppError::sign_in)?;
    let id = app::session(&state.db, secret.clone())
        .await?
        .ok_or_else(AppError::sign_in)?;
    let me = match profile::me(&state.db, &id).await {
        Ok(me) => me,
        Err(shared::Error::NotFound) => return Err(AppError::sign_in()),
        Err(e) => return Err(e.into()),
    };
    if let Some(lang) = Lang::from_tag(me.profile.locale.as_str()) {
        page::use_language(lang);
    }
    Ok(Patient {
        id,
        me,
        csrf: csrf_for(&secret),
    })
}

impl FromRequest for Patient {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// Constant-time equality, so a token is not guessed byte by byte from response times.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn read_form(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    cookie_name: &'static str,
) -> Result<Fields, AppError> {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let body = body.map_err(|_| AppError::bad_request())?;
    if !form_type {
        return Err(AppError::bad_request());
    }
    let fields = Fields::parse(&body);
    let expected = req.cookie(cookie_name).map(|c| csrf_for(c.value()));
    match (expected, fields.get("csrf")) {
        (Some(expected), Some(given)) if same(&expected, given) => Ok(fields),
        _ => Err(AppError::csrf()),
    }
}

macro_rules! checked_form {
    ($(#[$meta:meta])* $name:ident, $cookie:expr) => {
        $(#[$meta])*
        pub struct $name(pub Fields);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let req = req.clone();
                let bytes = web::Bytes::from_request(&req, payload);
                Box::pin(async move {
                    let limited = bytes.await.and_then(|b| {
                        if b.len() > FORM_LIMIT {
                            Err(actix_web::error::ErrorPayloadTooLarge("form too large"))
                        } else {
                            Ok(b)
                        }
                    });
                    read_form(&req, limited, $cookie).map($name)
                })
            }
        }
    };
}

checked_form!(
    /// A form posted by a signed-in patient: its token is bound to the session cookie.
    SessionForm,
    SESSION_COOKIE
);
checked_form!(
    /// The sign-in or invitation form: its token is bound to the pre-session cookie.
    PublicForm,
    PRE_COOKIE
);
