//! Notifications in this browser (Web Push: RFC 8030, RFC 8291, RFC 8292).
//!
//! - `GET /app/notifications`: what notifications are, what a locked screen shows, the state in
//!   this browser, and "Turn on notifications". The browser asks for permission only after that
//!   press, never on load (`api/assets/app/notifications.js`, which holds no text: it shows the
//!   page's own paragraphs by id).
//! - `POST /app/push-subscriptions`: the browser's `PushSubscription` as JSON (the Push API's
//!   `toJSON()`: `{endpoint, expirationTime, keys: {p256dh, auth}}`) registered as one of the
//!   patient's devices (`platform: web`, `provider: webpush`; `shared::care::devices::register`
//!   with [`DeviceForm::web_push`]). 201 `{id}` for a new device, 200 for an endpoint already
//!   known (moved to this patient and re-activated). A patient keeps at most
//!   `shared::care::devices::MAX_WEB_PUSH_DEVICES` active subscriptions: one more retires the
//!   least recently registered.
//! - `DELETE /app/push-subscriptions` `{endpoint}`: removes the patient's device of that
//!   endpoint ("Turn off", `shared::care::devices::remove_by_token`): 204, or 404 when none of
//!   the patient's active devices has it.
//!
//! The two JSON routes are the page's script's, not the API's: authenticated by the app's
//! session cookie, and a request must carry the session's CSRF token (the page's
//! `<meta name="csrf-token">`) in `X-CSRF-Token` (OWASP CSRF Prevention Cheat Sheet, "Custom
//! Request Headers" with the synchronizer token). Their errors are problem+json (RFC 9457):
//! 401 without a session, 403 without the token, 422 naming the field of a bad subscription
//! (`subscription.endpoint`, `subscription.keys.p256dh`, `subscription.keys.auth`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use shared::care::auth::app;
use shared::care::devices::{self, DeviceForm, Registered};
use shared::care::profile;
use shared::domain::{ClinicId, PatientId};
use shared::time::now;

use super::page::{self, AppError, Nav};
use super::session::{self, Patient};
use super::strings::Texts;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

/// The request header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The app version a browser subscription is registered with.
const WEB_APP_VERSION: &str = "web";

#[derive(Template)]
#[template(path = "app/notifications.html")]
struct NotificationsPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    /// Whether this service sends Web Push at all (a VAPID key is set).
    available: bool,
}

/// `GET /app/notifications`.
pub async fn show(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::ok(&NotificationsPage {
        t,
        nav: patient.nav("settings"),
        title: t.notifications_title.clone(),
        csrf: patient.csrf.clone(),
        available: state.vapid_public_key.is_some(),
    })
}

/// A signed-in patient whose request carries the session's CSRF token in `X-CSRF-Token`.
struct Caller {
    patient_id: PatientId,
    clinic_id: ClinicId,
}

/// Errors: `Unauthorized` (401) without a live app session, `Forbidden` (403) without the
/// session's token in [`CSRF_HEADER`].
async fn caller(state: &AppState, req: &HttpRequest) -> ApiResult<Caller> {
    let secret = session::session_secret(req).ok_or(shared::Error::Unauthorized)?;
    let given = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let patient_id = app::session(&state.db, secret.clone())
        .await?
        .ok_or(shared::Error::Unauthorized)?;
    if !session::same(&session::csrf_for(&secret), given) {
        return Err(shared::Error::Forbidden.into());
    }
    let me = match profile::me(&state.db, &patient_id).await {
        Ok(me) => me,
        Err(shared::Error::NotFound) => return Err(shared::Error::Unauthorized.into()),
        Err(e) => return Err(e.into()),
    };
    Ok(Caller {
        patient_id,
        clinic_id: me.profile.clinic_id,
    })
}

/// The Push API's `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    /// Ignored: a push service refusing an expired subscription retires the device.
    #[serde(default, rename = "expirationTime")]
    pub _expiration_time: Option<serde_json::Value>,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// `DELETE /app/push-subscriptions`'s body.
#[derive(Debug, Deserialize)]
pub struct Unsubscribe {
    pub endpoint: String,
}

/// No caching of an answer about the patient's devices.
fn no_store(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /app/push-subscriptions`: registers this browser's subscription (module doc).
pub async fn subscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<Subscription>,
) -> ApiResult<HttpResponse> {
    let who = caller(&state, &req).await?;
    let sub = body.into_inner();
    let form = DeviceForm::web_push(
        &sub.endpoint,
        &sub.keys.p256dh,
        &sub.keys.auth,
        Some(WEB_APP_VERSION),
        state.config.webpush.endpoint_policy(),
    )?;
    let (device, how) = devices::register(&state.db, &who.patient_id, form, now()).await?;
    let answer = serde_json::json!({ "id": device.id.to_string() });
    Ok(no_store(match how {
        Registered::Created => HttpResponse::Created().json(answer),
        Registered::Existing => HttpResponse::Ok().json(answer),
    }))
}

/// `DELETE /app/push-subscriptions`: removes the patient's device of this endpoint.
pub async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<Unsubscribe>,
) -> ApiResult<HttpResponse> {
    let who = caller(&state, &req).await?;
    let endpoint = body.into_inner().endpoint;
    if !devices::remove_by_token(&state.db, &who.clinic_id, &who.patient_id, &endpoint).await? {
        return Err(ApiError(shared::Error::NotFound));
    }
    Ok(no_store(HttpResponse::NoContent().finish()))
}
