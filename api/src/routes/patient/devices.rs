//! Push devices: `POST /v1/me/devices`, `DELETE /v1/me/devices/{id}`.

use actix_web::{HttpResponse, delete, post, web};
use shared::care::devices::{self, Registered};
use shared::domain::DeviceId;
use shared::time::now;

use crate::error::ApiResult;
use crate::extract::PatientUser;
use crate::json::Json;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::patient::{DeviceView, RegisterDevice};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register).service(remove);
}

/// Registers this phone for push. Re-registering a known token returns it (200), moved to the
/// caller and re-activated. `provider` says which service the token belongs to (default: FCM
/// on android, APNs on ios) and `apns_environment` which APNs host (default: production).
#[utoipa::path(
    operation_id = "registerDevice",
    tag = "patient",
    security(("bearer" = [])),
    request_body = RegisterDevice,
    responses(
        (status = 201, body = DeviceView, description = "new device"),
        (status = 200, body = DeviceView, description = "token already registered"),
        (status = 422, body = crate::error::Problem),
    )
)]
#[post("/v1/me/devices")]
pub async fn register(
    state: web::Data<AppState>,
    me: PatientUser,
    body: Json<RegisterDevice>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().parse()?;
    let (device, how) = devices::register(&state.db, &me.patient_id(), new, now()).await?;
    let view = DeviceView::from(device);
    Ok(match how {
        Registered::Created => HttpResponse::Created().json(view),
        Registered::Existing => HttpResponse::Ok().json(view),
    })
}

/// Unregisters one of the caller's devices; anyone else's is 404.
#[utoipa::path(
    operation_id = "removeDevice",
    tag = "patient",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem))
)]
#[delete("/v1/me/devices/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    me: PatientUser,
    id: PathId<DeviceId>,
) -> ApiResult<HttpResponse> {
    devices::remove(&state.db, &me.patient_id(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(register, remove),
    components(schemas(RegisterDevice, DeviceView))
)]
pub struct Doc;
