//! The served OpenAPI document. Every route module lists its handlers here; a test holds the
//! document to CONTRACT.md's paths.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        (name = "clinic", description = "Clinic staff: patients, treatments, escalations, audit"),
        (name = "patient", description = "The patient's own data, prompts and check-ins"),
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
    doc
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
