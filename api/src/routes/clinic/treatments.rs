//! Treatments and the course: `/v1/clinic/patients/{id}/treatments`, `/next-session`,
//! `/discharge`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;
