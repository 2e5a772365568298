//! Every error leaves the API as `application/problem+json` (RFC 7807). Client mistakes are
//! explained; server faults are logged with the request's span and answered with a bare 500/503.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use shared::{Error, FieldError};

/// The problem document. `errors` is present on 422s only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// The API's error: a thin wrapper so `shared::Error` can be answered over HTTP.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError(Error::BadRequest(detail.into()))
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match &self.0 {
            Error::NotFound => (
                StatusCode::NOT_FOUND,
                "about:blank",
                "Not Found",
                "The resource does not exist.".into(),
            ),
            Error::BadRequest(d) => (
                StatusCode::BAD_REQUEST,
                "about:blank",
                "Bad Request",
                d.clone(),
            ),
            Error::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "/problems/validation",
                "Validation failed",
                "One or more fields are invalid.".into(),
            ),
            Error::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "/problems/unauthorized",
                "Unauthorized",
                "A valid access token is required.".into(),
            ),
            Error::Forbidden => (
                StatusCode::FORBIDDEN,
                "/problems/forbidden",
                "Forbidden",
                "Your role may not do this.".into(),
            ),
            Error::Conflict(d) => (
                StatusCode::CONFLICT,
                "/problems/conflict",
                "Conflict",
                d.clone(),
            ),
            Error::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "/problems/rate-limited",
                "Too Many Requests",
                "Too many attempts; try again later.".into(),
            ),
            Error::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "about:blank",
                "Service Unavailable",
                "The service is temporarily unavailable; try again shortly.".into(),
            ),
            Error::Database(_) | Error::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "about:blank",
                "Internal Server Error",
                "Something went wrong on our side.".into(),
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, kind, title, detail) = self.parts();
        if status.is_server_error() {
            // The cause goes to the log (inside the request's span, with its request id), never
            // to the client.
            tracing::error!(error = %self.0, "request failed");
        }
        let errors = match &self.0 {
            Error::Validation(errors) => Some(errors.clone()),
            _ => None,
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Error::TooManyRequests { retry_after_secs } = &self.0 {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(&1).to_string()) {
                resp.insert_header((header::RETRY_AFTER, v));
            }
        }
        if matches!(self.0, Error::Unavailable(_)) {
            resp.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_UNAVAILABLE),
            ));
        }
        if matches!(self.0, Error::Unauthorized) {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        resp.json(Problem {
            kind,
            title,
            status: status.as_u16(),
            detail,
            errors,
        })
    }
}

/// A problem answered as is, for the refusals `shared::Error` has no variant for (a wrong
/// content type, a method the path does not serve, a body that took too long, failed
/// credentials): a status, a title and a detail, and any headers the status calls for (`Allow`
/// on a 405, RFC 9110 §15.5.6).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Refusal {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    /// The same refusal with one more response header.
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        for (name, value) in &self.headers {
            resp.insert_header((name.clone(), value.clone()));
        }
        resp.json(Problem {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: None,
        })
    }
}

/// Seconds a client should wait before retrying a 503 (a busy or unreachable database usually
/// clears within the busy timeout and pool wait, RFC 9110 §10.2.3).
const RETRY_UNAVAILABLE: &str = "2";

/// Shorthand for a 422 on one field.
pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError(Error::invalid(field, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_is_503_with_retry_after() {
        let resp = ApiError(Error::Unavailable("database is locked".into())).error_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers().get(header::RETRY_AFTER).unwrap(), "2");
    }
}
