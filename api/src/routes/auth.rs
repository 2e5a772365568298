//! `/v1/auth/*`: login, token refresh and logout, invitations, password reset.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Doc;
