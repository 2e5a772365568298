//! The patient's rights and calendar: `GET /v1/me/next-session.ics`, `GET /v1/me/export`,
//! `DELETE /v1/me`.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, web};
use shared::care::{profile, rights};
use shared::time::{now, to_utc};

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::state::AppState;
use crate::views::calendar;
use crate::views::export::{
    ExportAccess, ExportDevice, ExportPreferences, ExportProfile, PatientExport,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(next_session_ics).service(export).service(erase);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(next_session_ics, export, erase),
    components(schemas(
        PatientExport,
        ExportProfile,
        ExportPreferences,
        ExportDevice,
        ExportAccess
    ))
)]
pub struct Doc;

/// The booked next session as an RFC 5545 calendar file with one event, to add to the phone's
/// calendar. It names the clinic only ("Appointment at <clinic>"), never the treatment.
#[utoipa::path(
    operation_id = "getNextSessionCalendar",
    tag = "patient",
    responses(
        (status = 200, content_type = "text/calendar", body = String,
            description = "one VEVENT: UID (stable while the session is moved), SEQUENCE (the \
                           number of moves), DTSTAMP, DTSTART/DTEND (UTC), SUMMARY, LOCATION"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "no session is booked", body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/next-session.ics")]
pub async fn next_session_ics(
    me: PatientUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let next = profile::next_session(&state.db, &me.patient_id()).await?;
    let ics = calendar::next_session(
        &next.booking,
        &next.clinic,
        next.locale,
        host(&state.config.public_url),
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, calendar::CONTENT_TYPE))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"next-session.ics\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(ics))
}

/// The host part of the public URL, which makes event UIDs globally unique (RFC 5545
/// §3.8.4.7 suggests `id@domain`).
pub(crate) fn host(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Everything held about the caller as one JSON document, offered as a file download: profile,
/// preferences, treatments, prompts with statuses and acknowledgements, check-ins,
/// escalations, devices (tokens shortened) and the record's access log. Discharged patients
/// may export too. Audited as `patient.export`.
#[utoipa::path(
    operation_id = "exportMyData",
    tag = "patient",
    responses(
        (status = 200, body = PatientExport, description = "Everything held about the caller",
            headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/export")]
pub async fn export(me: PatientUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let at = now();
    let data = rights::export(&state.db, &me.patient_id(), at).await?;
    let filename = format!("aftercare-export-{}.json", at.format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .json(PatientExport::new(data, to_utc(at))))
}

/// Erases the caller's personal data, at once and for good: names, phone, email and password,
/// devices, sessions (every access token stops working now), the booked session and every
/// prompt not yet sent. The clinical record stays with the clinic, de-identified (README
/// "Patient rights"). Discharged patients may erase too. A second call is 401: the session is
/// gone.
#[utoipa::path(
    operation_id = "eraseMe",
    tag = "patient",
    responses(
        (status = 204, description = "erased"),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/me")]
pub async fn erase(me: PatientUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let erased = rights::erase(&state.db, &me.patient_id(), now()).await?;
    tracing::info!(
        patient_id = %me.user_id,
        cancelled_prompts = erased.cancelled_prompts,
        devices = erased.devices,
        sessions = erased.sessions,
        "patient erased"
    );
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::host;

    #[test]
    fn uid_host_is_the_public_urls_host() {
        assert_eq!(host("https://care.example.com"), "care.example.com");
        assert_eq!(host("http://127.0.0.1:8080/base"), "127.0.0.1:8080");
        assert_eq!(host("care.example.com"), "care.example.com");
    }
}
