//! Response headers for a JSON API read by apps and browsers, and CORS for the origins the
//! operator lists (`AFTERCARE_CORS_ORIGINS`; none by default).
//!
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
//!   and CSP `frame-ancestors 'none'` on every response (OWASP REST Security Cheat Sheet,
//!   "Security headers");
//! - `Cache-Control: no-store` on JSON answers (they hold health data), unless the handler set
//!   its own (the timeline's `ETag` revalidation);
//! - a preflight (RFC 9110 `OPTIONS` with `Access-Control-Request-Method`, Fetch standard §3.2)
//!   from a listed origin is answered here; from any other origin it gets no CORS headers, so
//!   the browser refuses the call.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS: &str = "authorization, content-type, if-none-match, idempotency-key";
const EXPOSE_HEADERS: &str = "etag, location, retry-after, x-request-id";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The middleware (`from_fn`): CORS first, then the security headers on whatever is answered.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let origin = allowed_origin(&req);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = match (&origin, preflight) {
        (Some(_), true) => {
            let answer = HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE))
                .finish();
            req.into_response(answer).map_into_right_body()
        }
        _ => next.call(req).await?.map_into_left_body(),
    };
    let h = res.headers_mut();
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    // Answers differ by origin, so caches must key on it even when CORS is off for this one.
    h.append(header::VARY, HeaderValue::from_static("origin"));
    secure(h);
    Ok(res)
}

/// The request's `Origin` when it is one the operator listed.
fn allowed_origin(req: &ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let listed = &req.app_data::<web::Data<AppState>>()?.config.cors_origins;
    let text = origin.to_str().ok()?;
    listed.iter().any(|o| o == text).then(|| origin.clone())
}

fn secure(h: &mut HeaderMap) {
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    ];
    for (name, value) in fixed {
        set_if_absent(h, name, value);
    }
    let json = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("application/json") || t.starts_with("application/problem+json")
        });
    if json {
        set_if_absent(h, header::CACHE_CONTROL, "no-store");
    }
}

fn set_if_absent(h: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !h.contains_key(&name) {
        h.insert(name, HeaderValue::from_static(value));
    }
}
