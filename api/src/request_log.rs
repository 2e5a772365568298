//! The request span and its one log line per request: method, route pattern, status, latency
//! and request id, never the raw path or query string. A staff search `?q=<name>` or a path
//! holding an id would otherwise put health data in the log through `http.target` (README,
//! "Data protection": logs never carry names). Client address and user agent are left out for
//! the same reason.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// Root span builder for `TracingLogger`: fields follow OpenTelemetry's HTTP conventions
/// (`http.method`, `http.route`, `http.status_code`) minus `http.target`.
pub struct RouteSpan;

/// When the request started, kept in the request's extensions for the completion line.
#[derive(Clone, Copy)]
struct Started(Instant);

impl RootSpanBuilder for RouteSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        request.extensions_mut().insert(Started(Instant::now()));
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.route = %route,
            http.status_code = Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, started) = match outcome {
            Ok(res) => (
                res.status().as_u16(),
                res.request().extensions().get::<Started>().copied(),
            ),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        span.record("http.status_code", status);
        let elapsed_ms = started.map(|s| s.0.elapsed().as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::info!(status, elapsed_ms, "request completed"));
    }
}
