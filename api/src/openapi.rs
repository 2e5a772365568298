//! The served OpenAPI document. Every route module lists its handlers here; a test holds the
//! document to docs/CONTRACT.md's paths, and another holds every operation to an `operationId`, a
//! declared security and `application/problem+json` errors (`api/tests/api/contract.rs`).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Aftercare companion API", version = "1"),
    paths(routes::ops::healthz, routes::ops::readyz, routes::ops::metrics),
    components(schemas(Problem, shared::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, tokens, invitations, password reset"),
        (name = "clinic", description = "Clinic staff: patients, treatments, escalations, audit, protocols"),
        (name = "patient", description = "The patient's own data, prompts and check-ins"),
        (name = "push", description = "Web Push: the key browsers subscribe with (public)"),
        (name = "ops", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// The whole document: the ops paths above plus each route module's fragment.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes::auth::Doc::openapi());
    doc.merge(routes::clinic::openapi());
    doc.merge(routes::patient::openapi());
    doc.merge(routes::push::Doc::openapi());
    ProblemResponses.modify(&mut doc);
    doc
}

/// The media type of every error body (RFC 7807 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Declares the errors every handler can answer with, whatever its annotation lists, and gives
/// each 4xx/5xx response the `Problem` schema under `application/problem+json` (what
/// `crate::error` sends), so a generated client can decode every error the same way.
///
/// Added where they apply: 401 and 403 on bearer-protected operations (the extractors in
/// `crate::extract`), 400, 408, 415 and 422 on operations with a JSON body (`crate::json`,
/// `crate::body_deadline`), 422 on operations with query parameters, 404 on operations with a
/// path parameter (`crate::path_id`).
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                declare_errors(op);
            }
        }
    }
}

fn declare_errors(op: &mut Operation) {
    let bearer = op
        .security
        .iter()
        .flatten()
        .any(|req| serde_json::to_value(req).is_ok_and(|v| v.get("bearer").is_some()));
    let has_body = op.request_body.is_some();
    let has_param = |place: &str| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| serde_json::to_value(p).is_ok_and(|v| v["in"] == place))
    };
    let (has_path_param, has_query_param) = (has_param("path"), has_param("query"));
    let implied = [
        (bearer, "401", "Missing, malformed or expired access token"),
        (bearer, "403", "The token's role may not use this operation"),
        (has_body, "400", "Malformed JSON"),
        (has_body, "415", "The body is not application/json"),
        (
            has_body,
            "408",
            "The body did not arrive in time (`AFTERCARE_BODY_TIMEOUT_SECS`)",
        ),
        (
            has_body,
            "422",
            "A field is missing or invalid; `errors` names each",
        ),
        (
            has_query_param,
            "422",
            "A query parameter is invalid; `errors` names it",
        ),
        (
            has_path_param,
            "404",
            "No such resource (or not visible to the caller); an id that is not a UUID too",
        ),
    ];
    let responses = &mut op.responses.responses;
    for (applies, status, description) in implied {
        if applies && !responses.contains_key(status) {
            responses.insert(status.to_owned(), RefOr::T(Response::new(description)));
        }
    }
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let RefOr::T(response) = response {
            if response.description.trim().is_empty() {
                let implied = implied
                    .iter()
                    .find(|(applies, s, _)| *applies && *s == status.as_str());
                response.description = implied
                    .map(|(_, _, d)| *d)
                    .or_else(|| error_meaning(status))
                    .unwrap_or("The request failed; the problem document says why")
                    .to_owned();
            }
            if status == "503" && response.content.contains_key("application/json") {
                // /readyz answers 503 with its own Readiness body, not a problem.
                continue;
            }
            response.content.clear();
            response.content.insert(
                PROBLEM_JSON.to_owned(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
        }
    }
}

/// What an error status means wherever an operation lists it without saying more.
fn error_meaning(status: &str) -> Option<&'static str> {
    Some(match status {
        "400" => "Malformed request",
        "401" => "Missing, malformed or expired access token",
        "403" => "The token's role may not use this operation",
        "404" => "No such resource (or not visible to the caller)",
        "409" => "The resource's current state does not allow this",
        "413" => "The body is too large",
        "415" => "The body is not application/json",
        "422" => "A field is missing or invalid; `errors` names each",
        "429" => "Too many attempts; retry after `Retry-After` seconds",
        "503" => "Temporarily unavailable; retry shortly",
        _ => return None,
    })
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
