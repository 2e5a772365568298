//! Signing in to the patient web app with a one-time code instead of a password:
//! `/app/sign-in/code` (an email or mobile number → "if an account exists, we sent a code") and
//! `/app/sign-in/code/redeem` (the 6-digit code → the app's session). The rules are
//! `shared::care::auth`'s (`request_sign_in_code`, `check_sign_in_code`): the same as
//! `POST /v1/auth/sign-in-codes` and `…/redeem`, throttled as the password sign-in. The code
//! email links to the redeem page with `?email=`, which fills the address in; the code is
//! always typed, so a mail scanner that opens the link spends nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care::auth::{self, SignInId};

use super::auth::with_pre_cookie;
use super::page::{self, AppError, Nav};
use super::session::{self, PublicForm};
use super::strings::Texts;
use crate::routes::auth::{client_address, send_code_later};
use crate::state::AppState;

/// Longest email or phone kept to fill a form in again.
const WHO_MAX: usize = 254;

#[derive(Template)]
#[template(path = "app/sign_in_code.html")]
struct RequestPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    who: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "app/sign_in_code_redeem.html")]
struct RedeemPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    who: String,
    /// Just asked for: "if an account exists, we sent a code".
    sent: bool,
    error: Option<String>,
}

/// What was typed in the email-or-phone field: an email when it holds an `@`, else a phone.
/// Errors: `Validation` when empty, or neither an email nor a telephone number.
fn sign_in_id(who: &str) -> Result<SignInId, Error> {
    let who = who.trim().to_owned();
    if who.contains('@') {
        crate::views::auth::sign_in_id(Some(who), None)
    } else {
        crate::views::auth::sign_in_id(None, Some(who))
    }
}

fn kept(who: &str) -> String {
    who.trim().chars().take(WHO_MAX).collect()
}

fn request_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    who: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&RequestPage {
            t,
            nav: None,
            title: t.code_title.clone(),
            csrf,
            who,
            error,
        })
    })
}

fn redeem_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    who: String,
    sent: bool,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&RedeemPage {
            t,
            nav: None,
            title: t.code_redeem_title.clone(),
            csrf,
            who,
            sent,
            error,
        })
    })
}

/// `GET /app/sign-in/code`: the email-or-phone form.
pub async fn request_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    request_page(&state, &req, StatusCode::OK, String::new(), None)
}

/// `POST /app/sign-in/code`: asks for a code (sent after the answer, whether or not an account
/// exists) and shows the code form with "if an account exists, we sent a code". Neither an
/// email nor a telephone number: 422 with the form again.
pub async fn request_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, AppError> {
    let who = form.get("who").unwrap_or_default().to_owned();
    match sign_in_id(&who) {
        Ok(id) => {
            send_code_later(&state, &req, id);
            redeem_page(&state, &req, StatusCode::OK, kept(&who), true, None)
        }
        Err(_) => {
            let message = Some(page::texts().code_missing.clone());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            request_page(&state, &req, status, kept(&who), message)
        }
    }
}

#[derive(serde::Deserialize)]
pub struct EmailQuery {
    email: Option<String>,
}

/// `GET /app/sign-in/code/redeem?email=…`: the code form, the email filled in from the link of
/// the code's email.
pub async fn redeem_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<EmailQuery>,
) -> Result<HttpResponse, AppError> {
    let who = kept(query.email.as_deref().unwrap_or_default());
    redeem_page(&state, &req, StatusCode::OK, who, false, None)
}

/// `POST /app/sign-in/code/redeem`: the email or phone and the code. The right code opens the
/// app's session (303 to `/app/` with its cookie); a wrong, used or expired one is 401 with the
/// form again and one message for all; while the account or the address is locked, 429 with `Retry-After`.
pub async fn redeem(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let who = form.get("who").unwrap_or_default().to_owned();
    let code = form.get("code").unwrap_or_default().to_owned();
    let mut retry = None;
    let (status, message) = match sign_in_id(&who) {
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, &t.code_missing),
        Ok(id) => {
            let address = client_address(&req, &state);
            match auth::check_sign_in_code(&state.db, id, code, address).await {
                Ok(user) => return session::start_session(&state, &req, &user.id).await,
                Err(Error::Unauthorized) => (StatusCode::UNAUTHORIZED, &t.code_wrong),
                Err(Error::TooManyRequests { retry_after_secs }) => {
                    retry = Some(retry_after_secs);
                    (StatusCode::TOO_MANY_REQUESTS, &t.sign_in_locked)
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut resp = redeem_page(
        &state,
        &req,
        status,
        kept(&who),
        false,
        Some(message.clone()),
    )?;
    if let Some(secs) = retry {
        page::retry_after(&mut resp, secs);
    }
    Ok(resp)
}
