//! Signing in and out of the patient web app, and a patient's first visit from the invitation
//! link (`/app/invitation?code=…`: set a password, then signed in). The workflows are
//! `shared::care::auth::app`'s (credentials checked as every sign-in checks them, narrowed to
//! patients).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care::auth::{LogInForm, app};
use shared::domain::Role;

use super::page::{self, AppError, MessagePage, Nav};
use super::session::{self, PRE_COOKIE, PublicForm, SESSION_COOKIE, SessionForm};
use super::strings::Texts;
use crate::routes::auth::client_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "app/sign_in.html")]
struct SignInPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    email: String,
    message: Option<String>,
    /// A staff member's right password: the link to the console is shown.
    staff: bool,
}

#[derive(Template)]
#[template(path = "app/invitation.html")]
struct InvitationPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    code: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "app/signed_out.html")]
struct SignedOutPage<'a> {
    t: &'static Texts,
    nav: Option<Nav>,
    title: &'a str,
    message: &'a str,
}

/// Renders a pre-session page (sign-in, invitation, sign-in code) with `status`, setting the
/// pre-session cookie its form's token is bound to (`render` gets the token).
pub fn with_pre_cookie(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    render: impl FnOnce(String) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let (secret, fresh) = session::pre_secret(req);
    let mut resp = render(session::csrf_for(&secret))?;
    *resp.status_mut() = status;
    if fresh {
        resp.add_cookie(&session::cookie(state, PRE_COOKIE, secret))
            .map_err(|_| AppError::internal("cookie"))?;
    }
    Ok(resp)
}

fn sign_in_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    message: Option<String>,
    staff: bool,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&SignInPage {
            t,
            nav: None,
            title: t.sign_in_title.clone(),
            csrf,
            email,
            message,
            staff,
        })
    })
}

/// `GET /app/sign-in`
pub async fn sign_in_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    sign_in_page(&state, &req, StatusCode::OK, String::new(), None, false)
}

/// `POST /app/sign-in`: email and password of an active patient. A wrong pair is 401 with the
/// form again, a locked account 429 with `Retry-After`, a staff member's right password 403 with a link to the
/// console.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let email = form.get("email").unwrap_or_default().to_owned();
    let credentials = LogInForm {
        email: email.clone(),
        password: form.raw("password"),
        address: client_address(&req, &state),
    };
    let previous = session::session_secret(&req);
    let mut retry = None;
    let (status, message, staff) = match app::sign_in(&state.db, credentials, previous).await {
        Ok(secret) => return session::signed_in(&state, secret),
        Err(Error::Unauthorized) => (StatusCode::UNAUTHORIZED, &t.sign_in_failed, false),
        Err(Error::TooManyRequests { retry_after_secs }) => {
            retry = Some(retry_after_secs);
            (StatusCode::TOO_MANY_REQUESTS, &t.sign_in_locked, false)
        }
        Err(Error::Forbidden) => (StatusCode::FORBIDDEN, &t.sign_in_staff, true),
        Err(e) => return Err(e.into()),
    };
    let mut resp = sign_in_page(&state, &req, status, email, Some(message.clone()), staff)?;
    if let Some(secs) = retry {
        page::retry_after(&mut resp, secs);
    }
    Ok(resp)
}

fn invitation_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    code: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    with_pre_cookie(state, req, status, |csrf| {
        page::ok(&InvitationPage {
            t,
            nav: None,
            title: t.invitation_title.clone(),
            csrf,
            code,
            error,
        })
    })
}

/// The page for a code that cannot be used here: unknown, used or expired (410), or a staff
/// member's (403, pointing to the console).
fn unusable_code(staff: bool) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let (status, message, link) = if staff {
        let link = ("/console/invitation", t.open_console.as_str());
        (StatusCode::FORBIDDEN, &t.invitation_staff, link)
    } else {
        let link = ("/app/sign-in", t.sign_in.as_str());
        (StatusCode::GONE, &t.invitation_bad, link)
    };
    page::html(
        status,
        &MessagePage {
            t,
            nav: None,
            title: &t.invitation_bad_title,
            message,
            link: Some(link),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `GET /app/invitation?code=…`: the link of the invitation email and of the printed sheet. A
/// usable patient's code shows the password form; any other code a clear page saying why.
pub async fn invitation_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, AppError> {
    let code = query.code.as_deref().unwrap_or_default().trim().to_owned();
    if code.is_empty() || code.len() > 128 {
        return unusable_code(false);
    }
    match app::invitation_role(&state.db, code.clone()).await? {
        Some(Role::Patient) => invitation_page(&state, &req, StatusCode::OK, code, None),
        Some(_) => unusable_code(true),
        None => unusable_code(false),
    }
}

/// `POST /app/invitation`: the code and a new password; activates the account and signs in
/// (303 to `/app/`). A weak password is 422 with the form and the reason; a bad code the clear
/// page.
pub async fn accept_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    PublicForm(form): PublicForm,
) -> Result<HttpResponse, AppError> {
    let code = form.get("code").unwrap_or_default().to_owned();
    let ttl = state.config.jwt.refresh_ttl_days;
    let previous = session::session_secret(&req);
    let accepted =
        app::accept_invitation(&state.db, code.clone(), form.raw("password"), ttl, previous).await;
    match accepted {
        Ok(secret) => session::signed_in(&state, secret),
        Err(Error::Forbidden) => unusable_code(true),
        Err(Error::Validation(errors)) => {
            if errors.iter().any(|e| e.field == "code") {
                return unusable_code(false);
            }
            let words = crate::console::strings::strings(page::texts().lang);
            let message = errors
                .iter()
                .map(|e| crate::console::field_messages::localise(words, &e.message))
                .collect::<Vec<_>>()
                .join(" ");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            invitation_page(&state, &req, status, code, Some(message))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /app/sign-out`: revokes the session and clears its cookie, then the signed-out page.
/// `Clear-Site-Data: "cache"` asks the browser to drop its HTTP cache, and the signed-out page's
/// script deletes every Cache Storage cache (the service worker's copies of the timeline).
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    _form: SessionForm,
) -> Result<HttpResponse, AppError> {
    if let Some(secret) = session::session_secret(&req) {
        app::sign_out(&state.db, secret).await?;
    }
    let mut resp = page::see_other("/app/signed-out");
    resp.add_removal_cookie(&session::removal(&state, SESSION_COOKIE))
        .map_err(|_| AppError::internal("cookie"))?;
    resp.headers_mut().insert(
        header::HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\""),
    );
    Ok(resp)
}

/// `GET /app/signed-out`: says so; its script empties Cache Storage.
pub async fn signed_out() -> Result<HttpResponse, AppError> {
    let t = page::texts();
    signed_out_page(&t.signed_out_title, &t.signed_out_body)
}

/// The signed-out page with `title` and `message` (also after erasure), clearing caches.
pub fn signed_out_page(title: &str, message: &str) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let mut resp = page::ok(&SignedOutPage {
        t,
        nav: None,
        title,
        message,
    })?;
    resp.headers_mut().insert(
        header::HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\""),
    );
    Ok(resp)
}
