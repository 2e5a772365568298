//! Routes by audience. Each module registers its own paths and describes them in its own
//! OpenAPI fragment; `crate::openapi` merges the fragments.

pub mod auth;
pub mod clinic;
pub mod ops;
pub mod patient;
pub mod push;
pub mod webhooks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    auth::configure(cfg);
    clinic::configure(cfg);
    patient::configure(cfg);
    push::configure(cfg);
    webhooks::configure(cfg);
}
