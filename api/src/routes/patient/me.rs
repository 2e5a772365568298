//! The patient's profile and plan: `GET/PATCH /v1/me`, `GET /v1/me/timeline`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;
