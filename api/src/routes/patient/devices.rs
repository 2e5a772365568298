//! Push devices: `POST /v1/me/devices`, `GET /v1/me/devices`, `DELETE /v1/me/devices/{id}`.

use actix_web::{HttpResponse, delete, get, post, web};
use shared::care::devices::{self, Registered};
use shared::domain::DeviceId;
use shared::time::now;

use crate::error::ApiResult;
use crate::extract::PatientUser;
use crate::json::Json;
use crate::pagination;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::device::{
    DeviceView, RegisterDevice, RegisterSubscription, RegisterSubscriptionKeys,
};
use crate::views::my_lists::{DevicePage, DeviceSummary, PageParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register).service(list).service(remove);
}

/// Registers this phone (or browser) for push. Re-registering a known token or endpoint returns
/// it (200), moved to the caller and re-activated. `provider` says which service the token
/// belongs to (default: FCM on android, APNs on ios) and `apns_environment` which APNs host
/// (default: production). A browser sends `{platform: "web", provider: "webpush",
/// subscription: {endpoint, keys: {p256dh, auth}}}` and no `token` (RFC 8030, RFC 8291): the
/// endpoint must be an https URL of a push service with a public DNS name.
#[utoipa::path(
    operation_id = "registerDevice",
    tag = "patient",
    security(("bearer" = [])),
    request_body = RegisterDevice,
    responses(
        (status = 201, body = DeviceView, description = "new device"),
        (status = 200, body = DeviceView, description = "token already registered"),
        (status = 409, body = crate::error::Problem, description = "the Web Push endpoint is another account's, registered with other keys"),
        (status = 422, body = crate::error::Problem),
    )
)]
#[post("/v1/me/devices")]
pub async fn register(
    state: web::Data<AppState>,
    me: PatientUser,
    body: Json<RegisterDevice>,
) -> ApiResult<HttpResponse> {
    let new = body
        .into_inner()
        .parse(state.config.webpush.endpoint_policy())?;
    let (device, how) = devices::register(&state.db, &me.patient_id(), new, now()).await?;
    let view = DeviceView::from(device);
    Ok(match how {
        Registered::Created => HttpResponse::Created().json(view),
        Registered::Existing => HttpResponse::Ok().json(view),
    })
}

/// The caller's devices, live or retired, newest first: what the app registered, with the
/// token's last 4 characters (`token_hint`) and never the token itself.
#[utoipa::path(
    operation_id = "listMyDevices",
    tag = "patient",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = DevicePage, description = "A page of devices, newest first"),
        (status = 422, body = crate::error::Problem,
            description = "`limit` out of range, or a `cursor` this list did not issue"),
    )
)]
#[get("/v1/me/devices")]
pub async fn list(
    state: web::Data<AppState>,
    me: PatientUser,
    params: web::Query<PageParams>,
) -> ApiResult<web::Json<DevicePage>> {
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    const LIST: &str = "/v1/me/devices";
    let before = state.cursors.read(LIST, p.cursor.as_deref())?;
    let rows = devices::list(
        &state.db,
        &me.clinic_id,
        &me.patient_id(),
        before,
        limit + 1,
    )
    .await?;
    let (rows, next_cursor) = state
        .cursors
        .split(LIST, rows, limit, |l| l.device.id.to_string());
    Ok(web::Json(DevicePage {
        items: rows.into_iter().map(DeviceSummary::from).collect(),
        next_cursor,
    }))
}

/// Unregisters one of the caller's devices; anyone else's is 404.
#[utoipa::path(
    operation_id = "removeDevice",
    tag = "patient",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Unregistered"), (status = 404, body = crate::error::Problem))
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
    paths(register, list, remove),
    components(schemas(
        RegisterDevice,
        RegisterSubscription,
        RegisterSubscriptionKeys,
        DeviceView,
        DevicePage,
        DeviceSummary
    ))
)]
pub struct Doc;
