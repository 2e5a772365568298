//! Signing in and out of the console, and a new staff member's first visit (invitation code
//! and password): the pages and cookies. The workflows are `shared::care::auth::console`'s
//! (credentials checked as the API's login checks them, narrowed to staff).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care::auth::{LogInForm, console};

use super::page::{self, ConsoleError, FieldErrors, Nav, SIGN_IN_PATH, field_errors, see_other};
use super::session::{self, PRE_COOKIE, PublicForm, SESSION_COOKIE};
use super::strings::Strings;
use crate::routes::auth::client_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    email: String,
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "console/invitation.html")]
struct InvitationPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    code: String,
    errors: FieldErrors,
}

/// Renders a pre-session page, setting the pre-session cookie its form's token is bound to.
fn with_pre_cookie(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    render: impl FnOnce(String) -> Result<HttpResponse, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let (secret, fresh) = session::pre_secret(req);
    let mut resp = render(session::csrf_for(&secret))?;
    *resp.status_mut() = status;
    if fresh {
        resp.add_cookie(&session::cookie(state, PRE_COOKIE, secret))
            .map_err(|_| ConsoleError::internal("cookie"))?;
    }
    Ok(resp)
}

fn sign_in_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    message: Option<String>,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&SignInPage {
            t,
            nav: None,
            title: t.sign_in_title.to_owned(),
            csrf,
            email,
            message,
        })
    })
}

/// `GET /console/sign-in`
pub async fn sign_in_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    sign_in_page(&state, &req, StatusCode::OK, String::new(), None)
}

/// Answers a new console session with its cookie, sending the browser to the roster.
fn signed_in(state: &AppState, secret: String) -> Result<HttpResponse, ConsoleError> {
    let mut resp = see_other("/console/");
    resp.add_cookie(&session::cookie(state, SESSION_COOKIE, secret))
        .map_err(|_| ConsoleError::internal("cookie"))?;
    resp.add_removal_cookie(&session::removal(state, PRE_COOKIE))
        .map_err(|_| ConsoleError::internal("cookie"))?;
    Ok(resp)
}

/// `POST /console/sign-in`: email and password of an active staff account.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let email = form.get("email").unwrap_or_default().to_owned();
    let credentials = LogInForm {
        email: email.clone(),
        password: form.raw("password"),
        address: client_address(&req, &state),
    };
    let secret = match console::sign_in(&state.db, credentials, session_secret(&req)).await {
        Ok(secret) => secret,
        Err(Error::Unauthorized) => {
            let failed = Some(t.sign_in_failed.to_owned());
            return sign_in_page(&state, &req, StatusCode::UNAUTHORIZED, email, failed);
        }
        Err(Error::TooManyRequests { .. }) => {
            let locked = Some(t.sign_in_locked.to_owned());
            return sign_in_page(&state, &req, StatusCode::TOO_MANY_REQUESTS, email, locked);
        }
        Err(e) => return Err(e.into()),
    };
    signed_in(&state, secret)
}

/// The secret of the console session this browser holds, if any. Signing in again (another
/// person at a shared clinic computer, say) ends it, on every replica.
fn session_secret(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// `POST /console/sign-out`: revokes the session (any replica) and clears the cookie. Needs
/// the session's form token like every POST, so another site cannot sign a user out.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    _form: session::SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    if let Some(secret) = session_secret(&req) {
        console::sign_out(&state.db, secret).await?;
    }
    let mut resp = see_other(SIGN_IN_PATH);
    resp.add_removal_cookie(&session::removal(&state, SESSION_COOKIE))
        .map_err(|_| ConsoleError::internal("cookie"))?;
    // A code handed over to this browser goes with the session.
    resp.add_removal_cookie(&session::removal(
        &state,
        super::onboarding::HANDOVER_COOKIE,
    ))
    .map_err(|_| ConsoleError::internal("cookie"))?;
    Ok(resp)
}

fn invitation_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    code: String,
    errors: FieldErrors,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&InvitationPage {
            t,
            nav: None,
            title: t.invitation_title.to_owned(),
            csrf,
            code,
            errors,
        })
    })
}

/// `GET /console/invitation`
pub async fn invitation_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    invitation_page(
        &state,
        &req,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
    )
}

/// `POST /console/invitation`: a staff member's invitation code and new password; activates the
/// account (the API's own acceptance) and signs in. A patient's code activates the patient's
/// account as the app would, but opens no console session.
pub async fn accept_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, ConsoleError> {
    let code = form.get("code").unwrap_or_default().to_owned();
    let ttl = state.config.jwt.refresh_ttl_days;
    let accepted = console::accept_invitation(
        &state.db,
        code.clone(),
        form.raw("password"),
        ttl,
        session_secret(&req),
    )
    .await;
    let secret = match accepted {
        Ok(secret) => secret,
        Err(e) => {
            let errors = field_errors(e)?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return invitation_page(&state, &req, status, code, errors);
        }
    };
    match secret {
        Some(secret) => signed_in(&state, secret),
        None => {
            let mut resp = see_other(SIGN_IN_PATH);
            resp.add_removal_cookie(&session::removal(&state, SESSION_COOKIE))
                .map_err(|_| ConsoleError::internal("cookie"))?;
            Ok(resp)
        }
    }
}
