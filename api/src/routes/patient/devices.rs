//! Push devices: `POST /v1/me/devices`, `DELETE /v1/me/devices/{id}`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;
