//! Rendering: every answer of the patient web app is an HTML page (or a redirect) with the app's
//! headers, and every error is a page too, never problem+json and never internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use shared::Error;
use shared::domain::TimeZone;

use super::strings::{Lang, Texts, texts_in};

/// Content-Security-Policy of every app answer: the app's own stylesheet, scripts, service
/// worker and manifest only; no inline script or style; never framed; forms post only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; worker-src 'self'; manifest-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Where a signed-out visitor is sent.
pub const SIGN_IN_PATH: &str = "/app/sign-in";

/// The header of a signed-in page: the clinic's phone one tap away, the sign-out form's token
/// and which navigation entry is this page.
pub struct Nav {
    pub csrf: String,
    /// The clinic's phone as written by the clinic, and as a `tel:` URI (digits and `+`).
    pub phone: Option<(String, String)>,
    /// `today`, `timeline`, `check-in`, `next-session` or `settings`.
    pub current: &'static str,
}

impl Nav {
    pub fn is(&self, entry: &str) -> bool {
        self.current == entry
    }
}

/// `tel:` URI of a phone number as a clinic wrote it (RFC 3966 global number: `+` and digits).
pub fn tel(phone: &str) -> String {
    let mut out = String::from("tel:");
    out.extend(
        phone
            .chars()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
            .map(|(_, c)| c),
    );
    out
}

tokio::task_local! {
    static LANG: std::cell::Cell<Lang>;
}

/// Answers an app request in `lang` (the browser's), unless the signed-in patient's stored
/// language says otherwise ([`use_language`]). Error pages are answered inside this scope too.
pub async fn in_language<F: std::future::Future>(lang: Lang, answer: F) -> F::Output {
    LANG.scope(std::cell::Cell::new(lang), answer).await
}

/// Switches the current request to `lang` (the patient's stored language).
pub fn use_language(lang: Lang) {
    let _ = LANG.try_with(|l| l.set(lang));
}

/// The app's texts in the current request's language (English outside a request).
pub fn texts() -> &'static Texts {
    texts_in(LANG.try_with(|l| l.get()).unwrap_or(Lang::En))
}

/// The app's headers: CSP, no caching by shared caches or the browser's HTTP cache (pages hold
/// health data; the service worker keeps its own copy of the timeline), no referrer.
pub fn app_headers(resp: &mut HttpResponse) {
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

/// 200 with the page.
pub fn ok(page: &impl Template) -> Result<HttpResponse, AppError> {
    html(StatusCode::OK, page)
}

/// The page with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page
        .render()
        .map_err(|e| AppError::internal(&format!("template: {e}")))?;
    let mut resp = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    app_headers(&mut resp);
    Ok(resp)
}

/// 303 See Other to `to` (after a POST the browser GETs the result).
pub fn see_other(to: &str) -> HttpResponse {
    let mut resp = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish();
    app_headers(&mut resp);
    resp
}

/// Short day and month names in `lang`: (Monday first, January first).
fn names(lang: Lang) -> (&'static [&'static str; 7], &'static [&'static str; 12]) {
    match lang {
        Lang::En => (
            &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            &[
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ],
        ),
        Lang::Es => (
            &["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
            &[
                "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
            ],
        ),
    }
}

/// A date as people write it, in `lang`'s order: `Tue 8 Dec` / `mar 8 dic`.
pub fn day(date: NaiveDate, lang: Lang) -> String {
    let (days, months) = names(lang);
    format!(
        "{} {} {}",
        days[date.weekday().num_days_from_monday() as usize],
        date.day(),
        months[date.month0() as usize]
    )
}

/// A plan's local date (`2026-12-08`) and time (`10:00`) as people read them:
/// `Tue 8 Dec, 10:00` / `mar 8 dic, 10:00`. A date that does not parse is shown as it is.
pub fn local_when(date: &str, time: &str, lang: Lang) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => format!("{}, {time}", day(d, lang)),
        Err(_) => format!("{date} {time}"),
    }
}

/// A plan's local date (`2026-12-08`) as people read it (`Tue 8 Dec`), or as it is.
pub fn local_day(date: &str, lang: Lang) -> String {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| day(d, lang))
        .unwrap_or_else(|_| date.to_owned())
}

/// `at` (UTC) as the patient reads it in their zone, in their language's order:
/// `Tue 8 Dec 2026, 10:00` / `mar 8 dic 2026, 10:00`.
pub fn when(at: NaiveDateTime, tz: &TimeZone, lang: Lang) -> String {
    let local = at.and_utc().with_timezone(&tz.0);
    format!(
        "{} {}, {}",
        day(local.date_naive(), lang),
        local.year(),
        local.format("%H:%M")
    )
}

/// Any failure of an app request, answered as a page.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct AppError(#[from] pub Error);

/// The marker inside `Error::BadRequest` that picks the expired-form page.
const CSRF: &str = "app:csrf";

impl AppError {
    /// Not signed in: the sign-in page.
    pub fn sign_in() -> Self {
        AppError(Error::Unauthorized)
    }

    /// A POST without the form's token: the 403 page.
    pub fn csrf() -> Self {
        AppError(Error::BadRequest(CSRF.into()))
    }

    pub fn bad_request() -> Self {
        AppError(Error::BadRequest(String::new()))
    }

    pub fn not_found() -> Self {
        AppError(Error::NotFound)
    }

    pub fn internal(why: &str) -> Self {
        AppError(Error::Internal(anyhow::anyhow!("{why}")))
    }

    fn is_csrf(&self) -> bool {
        matches!(&self.0, Error::BadRequest(m) if m == CSRF)
    }
}

#[derive(Template)]
#[template(path = "app/message.html")]
pub struct MessagePage<'a> {
    pub t: &'static Texts,
    pub nav: Option<Nav>,
    pub title: &'a str,
    pub message: &'a str,
    /// A link under the message: (href, text).
    pub link: Option<(&'a str, &'a str)>,
}

impl ResponseError for AppError {
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
            tracing::error!(error = %self.0, "app request failed");
        }
        let message = match &self.0 {
            _ if self.is_csrf() => &t.csrf_failed,
            Error::NotFound => &t.not_found,
            Error::Forbidden => &t.forbidden,
            Error::Conflict(_) => &t.conflict,
            Error::TooManyRequests { .. } => &t.too_many,
            Error::Unavailable(_) => &t.unavailable,
            Error::BadRequest(_) | Error::Validation(_) => &t.bad_request,
            Error::Unauthorized | Error::Database(_) | Error::Internal(_) => &t.internal,
        };
        let page = MessagePage {
            t,
            nav: None,
            title: &t.error_title,
            message,
            link: Some(("/app/", &t.back_today)),
        };
        let mut resp = match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(_) => HttpResponse::build(status).finish(),
        };
        // Retry-After (RFC 9110 §10.2.3) on 503 and 429 (RFC 6585 §4), in seconds.
        match &self.0 {
            Error::Unavailable(_) => retry_after(&mut resp, 1),
            Error::TooManyRequests { retry_after_secs } => {
                retry_after(&mut resp, *retry_after_secs)
            }
            _ => {}
        }
        app_headers(&mut resp);
        resp
    }
}

/// `Retry-After` in seconds (RFC 9110 §10.2.3; on a 429, RFC 6585 §4), at least 1.
pub fn retry_after(resp: &mut HttpResponse, secs: u64) {
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
}

/// The app's query strings (`?code=`, `?saved=`, `?email=`): one that does not parse (a name
/// given twice, bytes that are not UTF-8) is the 400 page, not the API's problem document.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|_, _| AppError::bad_request().into())
}

/// An unknown app path: the 404 page.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_keeps_the_plus_and_digits() {
        assert_eq!(tel("+34 600 11 22 33"), "tel:+34600112233");
        assert_eq!(tel("(555) 010-0199"), "tel:5550100199");
    }

    #[test]
    fn plan_dates_read_as_people_write_them() {
        assert_eq!(
            local_when("2026-12-07", "16:14", Lang::En),
            "Mon 7 Dec, 16:14"
        );
        assert_eq!(
            local_when("2026-12-07", "16:14", Lang::Es),
            "lun 7 dic, 16:14"
        );
        assert_eq!(local_day("2026-12-08", Lang::Es), "mar 8 dic");
        assert_eq!(local_day("not a date", Lang::En), "not a date");
    }
}
