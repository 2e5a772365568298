//! `/v1/me/*`: the patient's own data. Every query is scoped to the caller's user id.

pub mod check_ins;
pub mod devices;
pub mod me;
pub mod prompts;
pub mod rights;
pub mod screenings;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    check_ins::configure(cfg);
    me::configure(cfg);
    devices::configure(cfg);
    prompts::configure(cfg);
    rights::configure(cfg);
    screenings::configure(cfg);
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = me::Doc::openapi();
    doc.merge(devices::Doc::openapi());
    doc.merge(prompts::Doc::openapi());
    doc.merge(check_ins::Doc::openapi());
    doc.merge(rights::Doc::openapi());
    doc.merge(screenings::Doc::openapi());
    doc
}
