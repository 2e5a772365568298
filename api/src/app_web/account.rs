//! My devices (`shared::care::devices`: list, remove) and my data and account: the export
//! download and erasure after a confirmation step (`shared::care::rights`, as
//! `GET /v1/me/export` and `DELETE /v1/me`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care::{devices, rights};
use shared::domain::DeviceId;
use shared::time::{now, to_utc};

use super::auth::signed_out_page;
use super::page::{self, AppError, Nav, see_other};
use super::session::{self, Patient, SESSION_COOKIE, SessionForm};
use super::strings::Texts;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::export::PatientExport;

/// The most devices listed (a patient has a phone or two and a browser or two).
const DEVICES_SHOWN: i64 = 50;

/// One device as the list shows it.
pub struct DeviceRow {
    pub id: String,
    pub kind: String,
    pub added: String,
}

#[derive(Template)]
#[template(path = "app/devices.html")]
struct DevicesPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    devices: Vec<DeviceRow>,
}

/// `GET /app/devices`: the live devices that get the patient's reminders.
pub async fn devices(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let listed = devices::list(
        &state.db,
        &patient.me.profile.clinic_id,
        &patient.id,
        None,
        DEVICES_SHOWN,
    )
    .await?;
    let tz = &patient.me.profile.timezone;
    let rows = listed
        .into_iter()
        .filter(|l| l.device.active)
        .map(|l| {
            let kind = match (l.device.provider.as_str(), l.device.platform.as_str()) {
                ("webpush", _) | (_, "web") => &t.device_web,
                (_, "ios") => &t.device_ios,
                _ => &t.device_android,
            };
            let when = page::when(l.device.created_at, tz, t.lang);
            DeviceRow {
                id: l.device.id.to_string(),
                kind: kind.clone(),
                added: t.fmt("device_added", &[("when", when.into())]),
            }
        })
        .collect();
    page::ok(&DevicesPage {
        t,
        nav: patient.nav("settings"),
        title: t.devices_title.clone(),
        devices: rows,
    })
}

/// `POST /app/devices/{id}/remove`: unregisters one of the patient's devices; another's is the
/// 404 page.
pub async fn remove_device(
    state: web::Data<AppState>,
    patient: Patient,
    id: PathId<DeviceId, AppError>,
    _form: SessionForm,
) -> Result<HttpResponse, AppError> {
    devices::remove(&state.db, &patient.id, &id).await?;
    Ok(see_other("/app/devices"))
}

#[derive(Template)]
#[template(path = "app/account.html")]
struct AccountPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    confirm: bool,
}

/// `GET /app/account`: download my data, erase my account.
pub async fn account(patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::ok(&AccountPage {
        t,
        nav: patient.nav("settings"),
        title: t.account_title.clone(),
        confirm: false,
    })
}

/// `GET /app/export.json`: everything held about the patient, the API's export document, as a
/// download.
pub async fn export(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let at = now();
    let data = rights::export(&state.db, &patient.id, at).await?;
    let filename = format!("aftercare-export-{}.json", at.format("%Y-%m-%d"));
    let mut resp = HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .json(PatientExport::new(data, to_utc(at)));
    page::app_headers(&mut resp);
    Ok(resp)
}

/// `GET /app/account/erase`: the confirmation step.
pub async fn confirm_erase(patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::ok(&AccountPage {
        t,
        nav: patient.nav("settings"),
        title: t.erase_confirm_title.clone(),
        confirm: true,
    })
}

/// `POST /app/account/erase` (from the confirmation step, whose form says `confirm=yes`):
/// erases the account (which ends every session), clears the cookie and the caches, and says
/// so. Without `confirm=yes` it goes back to the confirmation step.
pub async fn erase(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, AppError> {
    if form.get("confirm") != Some("yes") {
        return Ok(see_other("/app/account/erase"));
    }
    let erased = rights::erase(&state.db, &patient.id, now()).await?;
    tracing::info!(
        patient_id = %patient.id,
        cancelled_prompts = erased.cancelled_prompts,
        devices = erased.devices,
        sessions = erased.sessions,
        "patient erased"
    );
    let t = page::texts();
    let mut resp = signed_out_page(&t.erased_title, &t.erased_body)?;
    if session::session_secret(&req).is_some() {
        resp.add_removal_cookie(&session::removal(&state, SESSION_COOKIE))
            .map_err(|_| AppError::internal("cookie"))?;
    }
    Ok(resp)
}
