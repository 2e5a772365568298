//! Web Push's public route: the VAPID public key (RFC 8292) the web app subscribes with.

use actix_web::{get, web};

use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::push::VapidPublicKey;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(vapid_public_key);
}

/// The key browsers subscribe with, for anyone (it is public by design). 404 when Web Push is
/// not configured (a PostgreSQL deployment without `AFTERCARE_VAPID_PRIVATE_KEY`).
#[utoipa::path(
    operation_id = "getVapidPublicKey",
    security(()),
    tag = "push",
    responses(
        (status = 200, body = VapidPublicKey, description = "The VAPID public key"),
        (status = 404, body = crate::error::Problem, description = "Web Push is not configured"),
    )
)]
#[get("/v1/push/vapid-public-key")]
pub async fn vapid_public_key(state: web::Data<AppState>) -> ApiResult<web::Json<VapidPublicKey>> {
    let key = state
        .vapid_public_key
        .as_deref()
        .ok_or(shared::Error::NotFound)?;
    Ok(web::Json(VapidPublicKey {
        public_key: key.to_owned(),
    }))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(vapid_public_key), components(schemas(VapidPublicKey)))]
pub struct Doc;
