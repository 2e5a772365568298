//! Treatments and the course: `/v1/clinic/patients/{id}/treatments`, `/next-session`,
//! `/discharge`. Each change re-plans the patient's prompts in the same transaction, with an
//! audit entry.
//!
//! A new treatment supersedes the previous one's course position: the earlier treatment's
//! future unsent prompts are cancelled and the new one's planned. Recording a treatment for a
//! discharged patient re-admits them; booking a session for one is a conflict.

use actix_web::{HttpResponse, delete, post, put, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use shared::Error;
use shared::db::{self, audit, bookings, plans, treatments};
use shared::time::now;

use super::treatment_input::{NewTreatment, parse_time};
use crate::error::{ApiResult, Problem};
use crate::extract::Staff;
use crate::routes::prompt_view::{PromptView, rfc3339};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(book_next_session)
        .service(cancel_next_session)
        .service(discharge);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, book_next_session, cancel_next_session, discharge),
    components(schemas(NewTreatment, TreatmentCreated, NextSession, BookedSession, Discharged))
)]
pub struct Doc;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreatmentCreated {
    pub id: String,
    /// The prompts planned for this treatment.
    pub prompts: Vec<PromptView>,
}

fn json_list<T: Serialize>(v: &[T]) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.into()))
}

/// Records a treatment and plans the patient's aftercare from it.
#[utoipa::path(
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    request_body = NewTreatment,
    responses(
        (status = 201, body = TreatmentCreated),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/patients/{id}/treatments")]
pub async fn create(
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NewTreatment>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let parsed = body.parse(t)?;
    let patient_id = path.into_inner();
    let protocol = state.protocol.clone();
    let (id, prompts) = state
        .db
        .transaction(move |conn| {
            let profile = plans::lock_patient(conn, &patient_id, Some(&staff.clinic_id))?;
            if profile.discharged_at.is_some() {
                plans::set_discharged(conn, &patient_id, None, t)?;
            }
            let row = treatments::Treatment {
                id: db::new_id(),
                clinic_id: staff.clinic_id.clone(),
                patient_id: patient_id.clone(),
                performed_at: parsed.performed_at,
                areas: json_list(&parsed.areas)?,
                needle_depth_mm: parsed.depth.mm(),
                device: parsed.device.as_str().to_owned(),
                combined_with: json_list(&parsed.combined_with)?,
                session_number: parsed.session_number,
                planned_sessions: parsed.planned_sessions,
                interval_weeks: parsed.interval_weeks,
                contraindications: json_list(&parsed.contraindications)?,
                override_reason: parsed.override_reason,
                notes: parsed.notes,
                protocol_version: protocol.version().to_owned(),
                recorded_by: staff.user_id.clone(),
                created_at: t,
            };
            treatments::insert(conn, &row)?;
            plans::replan(conn, &protocol, &patient_id, t)?;
            audit::record(
                conn,
                &staff.clinic_id,
                Some(&staff.user_id),
                "treatment.create",
                Some(&patient_id),
                t,
            )?;
            let prompts: Vec<PromptView> = plans::timeline(conn, &patient_id)?
                .iter()
                .filter(|p| p.treatment_id.as_deref() == Some(row.id.as_str()))
                .map(PromptView::from)
                .collect();
            Ok((row.id, prompts))
        })
        .await?;
    tracing::info!(treatment_id = %id, planned = prompts.len(), "treatment recorded");
    Ok(HttpResponse::Created().json(TreatmentCreated { id, prompts }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextSession {
    /// RFC 3339; in the future.
    pub starts_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BookedSession {
    pub id: String,
    pub starts_at: String,
    /// The reminders planned before it (7 days and 1 day before, local morning).
    pub reminders: Vec<PromptView>,
}

/// Books (or moves) the patient's next session; its reminders replace any earlier ones and the
/// rebook nudge is withdrawn.
#[utoipa::path(
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    request_body = NextSession,
    responses(
        (status = 200, body = BookedSession),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[put("/v1/clinic/patients/{id}/next-session")]
pub async fn book_next_session(
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NextSession>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let starts_at = match parse_time(&body.starts_at) {
        None => {
            return Err(Error::invalid("starts_at", "must be an RFC 3339 time with offset").into());
        }
        Some(s) if s <= t => {
            return Err(Error::invalid("starts_at", "must be in the future").into());
        }
        Some(s) if s > t + Duration::days(730) => {
            return Err(Error::invalid("starts_at", "must be within two years").into());
        }
        Some(s) => s,
    };
    let patient_id = path.into_inner();
    let protocol = state.protocol.clone();
    let booked = state
        .db
        .transaction(move |conn| {
            let profile = plans::lock_patient(conn, &patient_id, Some(&staff.clinic_id))?;
            if profile.discharged_at.is_some() {
                return Err(Error::Conflict("the patient has been discharged".into()));
            }
            let booking = match bookings::live(conn, &patient_id)? {
                Some(b) if b.starts_at == starts_at => b,
                _ => {
                    bookings::cancel_live(conn, &patient_id, t)?;
                    let b = bookings::Booking {
                        id: db::new_id(),
                        clinic_id: staff.clinic_id.clone(),
                        patient_id: patient_id.clone(),
                        starts_at,
                        created_by: staff.user_id.clone(),
                        created_at: t,
                        cancelled_at: None,
                    };
                    bookings::insert(conn, &b)?;
                    b
                }
            };
            plans::replan(conn, &protocol, &patient_id, t)?;
            audit::record(
                conn,
                &staff.clinic_id,
                Some(&staff.user_id),
                "booking.set",
                Some(&patient_id),
                t,
            )?;
            let reminders = plans::timeline(conn, &patient_id)?
                .iter()
                .filter(|p| p.booking_id.as_deref() == Some(booking.id.as_str()))
                .map(PromptView::from)
                .collect();
            Ok(BookedSession {
                id: booking.id,
                starts_at: rfc3339(booking.starts_at),
                reminders,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(booked))
}

/// Cancels the booked next session and its reminders; the rebook nudge returns while the
/// course continues. Idempotent.
#[utoipa::path(
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    responses(
        (status = 204),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/clinic/patients/{id}/next-session")]
pub async fn cancel_next_session(
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let patient_id = path.into_inner();
    let protocol = state.protocol.clone();
    state
        .db
        .transaction(move |conn| {
            plans::lock_patient(conn, &patient_id, Some(&staff.clinic_id))?;
            bookings::cancel_live(conn, &patient_id, t)?;
            plans::replan(conn, &protocol, &patient_id, t)?;
            audit::record(
                conn,
                &staff.clinic_id,
                Some(&staff.user_id),
                "booking.cancel",
                Some(&patient_id),
                t,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Discharged {
    pub id: String,
    pub discharged_at: String,
    /// Prompts and reminders cancelled by this call.
    pub cancelled_prompts: usize,
}

/// Discharges the patient: every prompt and reminder not yet sent is cancelled, the booked
/// session too, and nothing is planned afterwards. Idempotent.
#[utoipa::path(
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    responses(
        (status = 200, body = Discharged),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/patients/{id}/discharge")]
pub async fn discharge(
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let patient_id = path.into_inner();
    let body = state
        .db
        .transaction(move |conn| {
            let profile = plans::lock_patient(conn, &patient_id, Some(&staff.clinic_id))?;
            let at = match profile.discharged_at {
                Some(at) => at,
                None => {
                    plans::set_discharged(conn, &patient_id, Some(t), t)?;
                    t
                }
            };
            bookings::cancel_live(conn, &patient_id, t)?;
            let cancelled = plans::cancel_pending(conn, &patient_id, t)?;
            audit::record(
                conn,
                &staff.clinic_id,
                Some(&staff.user_id),
                "patient.discharge",
                Some(&patient_id),
                t,
            )?;
            Ok(Discharged {
                id: patient_id,
                discharged_at: rfc3339(at),
                cancelled_prompts: cancelled,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
