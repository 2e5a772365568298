//! Clinic, staff and patient enrolment: `/v1/clinic`, `/v1/clinic/staff`, `/v1/clinic/patients`,
//! `/v1/clinic/audit`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;
