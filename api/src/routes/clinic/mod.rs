//! `/v1/clinic/*`: clinic staff. Every query is scoped to the caller's clinic in the query itself.

pub mod escalations;
pub mod patients;
pub mod protocols;
pub mod staff;
pub mod treatments;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    escalations::configure(cfg);
    patients::configure(cfg);
    protocols::configure(cfg);
    staff::configure(cfg);
    treatments::configure(cfg);
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = patients::Doc::openapi();
    doc.merge(staff::Doc::openapi());
    doc.merge(treatments::Doc::openapi());
    doc.merge(escalations::Doc::openapi());
    doc.merge(protocols::Doc::openapi());
    doc
}
