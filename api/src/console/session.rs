//! Who is using the console, and proof that a form came from it.
//!
//! - The session is a cookie holding a random secret (HttpOnly, SameSite=Strict,
//!   Path=/console, Secure when `AFTERCARE_PUBLIC_URL` is https); the server keeps only its
//!   hash (`shared::care::auth::console`), so any API replica can serve any request.
//! - CSRF: a synchronizer token bound to the session (OWASP CSRF Prevention Cheat Sheet,
//!   "Synchronizer Token Pattern"): SHA-256 of the session secret under a fixed label, put in
//!   every form and compared on every POST. A page cannot read the HttpOnly secret, so it cannot
//!   compute the token. The sign-in and invitation forms, before any session, bind their token
//!   the same way to a separate pre-session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use shared::care::auth::console::{self, ConsoleStaff};
use shared::crypto::{random_token, token_hash};
use shared::domain::{ClinicId, Role, TimeZone, UserId};

use super::page::{self, ConsoleError};
use super::strings::Lang;
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "aftercare_console";
/// The pre-session cookie the sign-in and invitation forms' tokens are bound to.
pub const PRE_COOKIE: &str = "aftercare_console_pre";
/// Largest form body read (the treatment form with every box ticked and long notes fits).
const FORM_LIMIT: usize = 64 * 1024;

/// The CSRF token for a cookie secret.
pub fn csrf_for(secret: &str) -> String {
    token_hash(&format!("console-csrf:{secret}"))
}

/// A cookie of the console's kind: HttpOnly, SameSite=Strict, Path=/console, Secure behind
/// https.
pub fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.public_url.starts_with("https://"))
        .finish()
}

/// The same cookie, expired (sign-out).
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new());
    c.make_removal();
    c
}

/// The pre-session secret of this browser, or a new one (the caller sets the cookie).
pub fn pre_secret(req: &HttpRequest) -> (String, bool) {
    match req.cookie(PRE_COOKIE).map(|c| c.value().to_owned()) {
        Some(v) if v.len() >= 32 => (v, false),
        _ => (random_token(), true),
    }
}

/// A signed-in staff member of a clinic.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub user_id: UserId,
    pub clinic_id: ClinicId,
    pub role: Role,
    pub name: String,
    pub clinic_name: String,
    pub clinic_tz: TimeZone,
    /// The CSRF token of this session, for the page's forms.
    pub csrf: String,
    /// The clinic's open escalations when the request came in (the navigation's badge).
    pub open_escalations: i64,
}

impl ConsoleUser {
    pub fn actor(&self) -> shared::care::StaffActor {
        shared::care::StaffActor {
            clinic_id: self.clinic_id.clone(),
            user_id: self.user_id.clone(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::ClinicAdmin
    }

    /// The admin pages' gate: another role gets the 403 page.
    pub fn require_admin(&self) -> Result<(), ConsoleError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ConsoleError(shared::Error::Forbidden))
        }
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ConsoleError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ConsoleError::internal("app state missing"))
}

async fn authenticate(req: HttpRequest) -> Result<ConsoleUser, ConsoleError> {
    let state = state_of(&req)?;
    let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(ConsoleError::sign_in());
    };
    let Some(ConsoleStaff {
        user,
        clinic,
        locale,
        open_escalations,
    }) = console::session(&state.db, secret.clone()).await?
    else {
        return Err(ConsoleError::sign_in());
    };
    if let Some(lang) = locale.and_then(|l| Lang::from_tag(l.as_str())) {
        page::use_language(lang);
    }
    Ok(ConsoleUser {
        user_id: user.id,
        clinic_id: user.clinic_id,
        role: user.role,
        name: user.name,
        clinic_name: clinic.name,
        clinic_tz: clinic.timezone,
        csrf: csrf_for(&secret),
        open_escalations,
    })
}

impl FromRequest for ConsoleUser {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// A urlencoded form body whose `csrf` field matched the token of the cookie it is bound to
/// (the session's for [`SessionForm`], the pre-session one for [`PublicForm`]); anything else
/// is the 403 page before the handler runs.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(raw: &[u8]) -> Self {
        Fields(form_urlencoded::parse(raw).into_owned().collect())
    }

    /// The first value of `name`, trimmed; empty counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name` exactly as sent (passwords keep their spaces).
    pub fn raw(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Constant-time equality, so a token is not guessed byte by byte from response times.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn read_form(
    req: HttpRequest,
    payload: Result<web::Bytes, actix_web::Error>,
    cookie_name: &'static str,
) -> Result<Fields, ConsoleError> {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let body = payload.map_err(|_| ConsoleError::bad_request())?;
    if !form_type {
        return Err(ConsoleError::bad_request());
    }
    let fields = Fields::parse(&body);
    let expected = req.cookie(cookie_name).map(|c| csrf_for(c.value()));
    match (expected, fields.get("csrf")) {
        (Some(expected), Some(given)) if same(&expected, given) => Ok(fields),
        _ => Err(ConsoleError::csrf()),
    }
}

macro_rules! checked_form {
    ($(#[$meta:meta])* $name:ident, $cookie:expr) => {
        $(#[$meta])*
        pub struct $name(pub Fields);

        impl FromRequest for $name {
            type Error = ConsoleError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

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
                    read_form(req, limited, $cookie).await.map($name)
                })
            }
        }
    };
}

checked_form!(
    /// A form posted by a signed-in user: its token is bound to the session cookie.
    SessionForm,
    SESSION_COOKIE
);
checked_form!(
    /// The sign-in or invitation form: its token is bound to the pre-session cookie.
    PublicForm,
    PRE_COOKIE
);
