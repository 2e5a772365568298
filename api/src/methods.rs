//! What a request that no route takes is told: 405 Method Not Allowed with `Allow` when its path
//! is served for other methods (RFC 9110 §15.5.6), else 404; both as problem documents.
//!
//! The API's routes are each their own actix resource guarded by its method, so actix itself
//! only sees "no route" (its 405 comes from a resource with several routes, as the console's).
//! The methods served at each path are read from the OpenAPI document, which lists every API
//! route (`api/tests/api/contract.rs` holds it to the contract), so a new route is covered by
//! being documented.

use std::collections::BTreeSet;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ResourceDef;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use utoipa::openapi::OpenApi;

use crate::error::{ApiError, Refusal};

/// The API's paths and the methods each is served for.
pub struct Served {
    paths: Vec<(ResourceDef, String)>,
}

impl Served {
    /// From the OpenAPI document: its path templates (`/v1/me/prompts/{id}/ack`) are actix's.
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let paths = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let operations = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let methods: Vec<&str> = operations
                    .iter()
                    .filter(|(_, served)| *served)
                    .map(|(m, _)| *m)
                    .collect();
                (ResourceDef::new(template.as_str()), methods.join(", "))
            })
            .collect();
        Self { paths }
    }

    /// The `Allow` value for `path` (methods of every template it matches), `None` when no
    /// documented route has this path.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let methods: BTreeSet<&str> = self
            .paths
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.split(", "))
            .filter(|m| !m.is_empty())
            .collect();
        (!methods.is_empty()).then(|| methods.into_iter().collect::<Vec<_>>().join(", "))
    }

    /// The answer to a request no route took.
    pub fn refuse(&self, req: &HttpRequest) -> HttpResponse {
        match self.allowed(req.path()) {
            Some(allow) => {
                let detail = format!(
                    "{} is not served here; this path takes {allow}.",
                    req.method()
                );
                let refusal =
                    Refusal::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed", detail);
                match HeaderValue::from_str(&allow) {
                    Ok(value) => refusal.with_header(ALLOW, value),
                    Err(_) => refusal,
                }
                .error_response()
            }
            None => ApiError(shared::Error::NotFound).error_response(),
        }
    }
}

/// HEAD is answered wherever GET is (RFC 9110 §9.3.2: the same status and headers, no content):
/// the middleware, innermost so the router sees it, routes a HEAD request as GET and drops the
/// answer's body. GET handlers are safe, so running one for a HEAD changes nothing.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::HEAD {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    req.head_mut().method = Method::GET;
    let res = next.call(req).await?;
    Ok(res.map_body(|_, _| BoxBody::new(actix_web::body::None::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_methods_of_a_documented_path_are_allowed_and_others_unknown() {
        let served = Served::from_openapi(&crate::openapi::document());
        assert_eq!(served.allowed("/v1/auth/login").as_deref(), Some("POST"));
        let id = "0190b6c4-0000-7000-8000-000000000000";
        let one = served
            .allowed(&format!("/v1/clinic/patients/{id}"))
            .unwrap();
        assert!(one.contains("GET") && one.contains("PATCH"), "{one}");
        assert_eq!(served.allowed("/v1/nowhere"), None);
    }
}
