//! Routes by audience. Each module registers its own paths and documents them for OpenAPI.

pub mod ops;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
}
