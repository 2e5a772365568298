//! Rendering: every console answer is an HTML page (or a redirect) with the console's headers,
//! and every error is a page too, never problem+json and never internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use shared::Error;
use shared::domain::TimeZone;

use super::session::ConsoleUser;
use super::strings::{Lang, Strings, strings};

/// Content-Security-Policy of every console answer: the page's own CSS only, no script at all,
/// never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The header bar of a signed-in page.
pub struct Nav {
    pub user_name: String,
    pub clinic_name: String,
    pub is_admin: bool,
    pub csrf: String,
    /// Where the language picker comes back to: this page.
    pub back: String,
    /// The languages the picker offers: (tag, own name, the one in use).
    pub languages: Vec<(&'static str, &'static str, bool)>,
    /// The clinic's open escalations: the badge on the Escalations link.
    pub open_escalations: i64,
}

impl Nav {
    pub fn of(user: &ConsoleUser) -> Option<Nav> {
        Some(Nav {
            user_name: user.name.clone(),
            clinic_name: user.clinic_name.clone(),
            is_admin: user.is_admin(),
            csrf: user.csrf.clone(),
            back: current_path(),
            languages: Lang::ALL
                .iter()
                .map(|l| (l.tag(), l.endonym(), *l == texts().lang))
                .collect(),
            open_escalations: user.open_escalations,
        })
    }
}

/// What the console knows of the request being answered, for every page it renders.
struct Answering {
    lang: std::cell::Cell<Lang>,
    /// The request's path and query, for the language picker to come back to.
    path: String,
}

tokio::task_local! {
    static ANSWERING: Answering;
}

/// Answers the console request for `path` (path and query) in `lang` (from `Accept-Language`,
/// by the scope's middleware) unless the signed-in staff member chose another
/// ([`use_language`]). Every text of the answer, error pages included, comes from [`texts`]
/// inside this scope.
pub async fn in_language<F: std::future::Future>(lang: Lang, path: String, answer: F) -> F::Output {
    let answering = Answering {
        lang: std::cell::Cell::new(lang),
        path,
    };
    ANSWERING.scope(answering, answer).await
}

/// Switches the current request to `lang` (the signed-in staff member's choice).
pub fn use_language(lang: Lang) {
    let _ = ANSWERING.try_with(|a| a.lang.set(lang));
}

/// The console's texts in the current request's language (English outside a request).
pub fn texts() -> &'static Strings {
    strings(ANSWERING.try_with(|a| a.lang.get()).unwrap_or(Lang::En))
}

/// The path and query of the page being answered (`/console/` outside a request).
pub fn current_path() -> String {
    ANSWERING
        .try_with(|a| a.path.clone())
        .unwrap_or_else(|_| "/console/".to_owned())
}

/// Adds the console's headers: CSP, no caching (pages hold health data), no referrer.
pub fn console_headers(resp: &mut HttpResponse) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A rendered page with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, ConsoleError> {
    let body = page
        .render()
        .map_err(|e| ConsoleError::internal(&format!("template: {e}")))?;
    let mut resp = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    console_headers(&mut resp);
    Ok(resp)
}

/// 200 with the page.
pub fn ok(page: &impl Template) -> Result<HttpResponse, ConsoleError> {
    html(StatusCode::OK, page)
}

/// 303 See Other to `to` (after a POST, the browser GETs the result: reload never resubmits).
pub fn see_other(to: &str) -> HttpResponse {
    let mut resp = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish();
    console_headers(&mut resp);
    resp
}

/// `at` (UTC) as the clinic reads it: `2026-11-30 14:05`.
pub fn local(at: NaiveDateTime, tz: &TimeZone) -> String {
    at.and_utc()
        .with_timezone(&tz.0)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn local_utc(at: DateTime<Utc>, tz: &TimeZone) -> String {
    local(at.naive_utc(), tz)
}

/// A duration as staff read it on the queue: `3 d 4 h`, `5 h 12 min`, `4 min`.
pub fn elapsed(from: NaiveDateTime, to: NaiveDateTime) -> String {
    let mins = (to - from).num_minutes().max(0);
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    }
}

/// Any failure of a console request, answered as a page.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ConsoleError(#[from] pub Error);

/// The marker inside `Error::BadRequest` that picks the CSRF page.
const CSRF: &str = "console:csrf";

impl ConsoleError {
    /// Not signed in: the sign-in page.
    pub fn sign_in() -> Self {
        ConsoleError(Error::Unauthorized)
    }

    /// A POST without the form's token: the 403 page.
    pub fn csrf() -> Self {
        ConsoleError(Error::BadRequest(CSRF.into()))
    }

    pub fn bad_request() -> Self {
        ConsoleError(Error::BadRequest(String::new()))
    }

    pub fn not_found() -> Self {
        ConsoleError(Error::NotFound)
    }

    pub fn internal(why: &str) -> Self {
        ConsoleError(Error::Internal(anyhow::anyhow!("{why}")))
    }

    fn is_csrf(&self) -> bool {
        matches!(&self.0, Error::BadRequest(m) if m == CSRF)
    }
}

impl From<crate::error::ApiError> for ConsoleError {
    fn from(e: crate::error::ApiError) -> Self {
        ConsoleError(e.0)
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    message: String,
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            Error::Unauthorized => StatusCode::SEE_OTHER,
            _ if self.is_csrf() => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let t = texts();
        let status = self.status_code();
        if status == StatusCode::SEE_OTHER {
            return see_other(SIGN_IN_PATH);
        }
        if status.is_server_error() {
            tracing::error!(error = %self.0, "console request failed");
        }
        let message = match &self.0 {
            _ if self.is_csrf() => t.csrf_failed.to_owned(),
            Error::NotFound => t.not_found.to_owned(),
            Error::Forbidden => t.forbidden.to_owned(),
            Error::Conflict(why) => {
                format!("{} {}", t.conflict, super::field_messages::localise(t, why))
            }
            Error::TooManyRequests { .. } => t.too_many.to_owned(),
            Error::Unavailable(_) => t.unavailable.to_owned(),
            Error::Validation(errors) => errors
                .iter()
                .map(|e| super::field_messages::localise(t, &e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Error::BadRequest(_) => t.bad_request.to_owned(),
            Error::Unauthorized | Error::Database(_) | Error::Internal(_) => t.internal.to_owned(),
        };
        let page = ErrorPage {
            t,
            nav: None,
            title: t.error_title.to_owned(),
            message,
        };
        let mut resp = match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(_) => HttpResponse::build(status).finish(),
        };
        if matches!(self.0, Error::Unavailable(_)) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        console_headers(&mut resp);
        resp
    }
}

pub const SIGN_IN_PATH: &str = "/console/sign-in";

/// An unknown console path: the 404 page.
pub async fn not_found() -> Result<HttpResponse, ConsoleError> {
    Err(ConsoleError::not_found())
}

/// Validation messages by field, for showing each next to its input.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<shared::FieldError>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// The messages for `field`, joined.
    pub fn get(&self, field: &str) -> Option<String> {
        let found: Vec<&str> = self
            .0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
    }

    /// Errors for fields the form does not show next to an input.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|e| !shown.contains(&e.field.as_str()))
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }
}

/// The field errors of a validation failure; any other error stays an error (its page). The
/// API's parsers speak of RFC 3339 times; the console's date-time inputs are local, so that
/// message is said the console's way.
pub fn field_errors(e: Error) -> Result<FieldErrors, ConsoleError> {
    match e {
        Error::Validation(errors) => Ok(FieldErrors(
            errors
                .into_iter()
                .map(|mut e| {
                    e.message = super::field_messages::localise(texts(), &e.message);
                    e
                })
                .collect(),
        )),
        other => Err(ConsoleError(other)),
    }
}
