//! Treatments and the course: `/v1/clinic/patients/{id}/treatments`, `/next-session`,
//! `/discharge`. The workflows are `shared::care::treatments`; each re-plans the patient's
//! prompts in its transaction, with an audit entry.

use actix_web::{HttpResponse, delete, post, put, web};
use shared::care::treatments::{self, Checked, Confirmation};
use shared::domain::PatientId;
use shared::time::now;

use crate::error::{ApiResult, Problem};
use crate::extract::Staff;
use crate::json::Json;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::prompt::{PromptView, rfc3339};
use crate::views::treatment::{
    BookNextSession, BookedSession, CourseWarningView, Discharged, RecordTreatment,
    TreatmentCreated,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(book_next_session)
        .service(cancel_next_session)
        .service(discharge);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, book_next_session, cancel_next_session, discharge),
    components(schemas(
        RecordTreatment,
        TreatmentCreated,
        CourseWarningView,
        BookNextSession,
        BookedSession,
        Discharged
    ))
)]
pub struct Doc;

/// Records a treatment and plans the patient's aftercare from it. The course check's warnings
/// are listed in the answer; with `confirm_warnings: false` a treatment the check warns about
/// is not recorded (409), with `true` it is, and the confirmation is audited.
#[utoipa::path(
    operation_id = "recordTreatment",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    request_body = RecordTreatment,
    responses(
        (status = 201, body = TreatmentCreated, description = "Recorded, with the prompts planned and any course warnings"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/patients/{id}/treatments")]
pub async fn create(
    staff: Staff,
    state: web::Data<AppState>,
    path: PathId<PatientId>,
    body: Json<RecordTreatment>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let form = body.parse(t)?;
    let (db, protocol, actor) = (&state.db, &state.protocols, staff.actor());
    let recorded = match body.confirm_warnings {
        None => treatments::record(db, protocol, &actor, &path, form, t).await?,
        Some(confirmed) => {
            let confirmed = if confirmed {
                Confirmation::Any
            } else {
                Confirmation::Nothing
            };
            match treatments::record_checked(db, protocol, &actor, &path, form, confirmed, t)
                .await?
            {
                Checked::Recorded(r) => *r,
                Checked::Unconfirmed(warnings) => {
                    let said: Vec<String> = warnings
                        .iter()
                        .map(|w| CourseWarningView::from(w).message)
                        .collect();
                    return Err(shared::Error::Conflict(format!(
                        "the course check warns: {}; send confirm_warnings: true to record it anyway",
                        said.join("; ")
                    ))
                    .into());
                }
            }
        }
    };
    Ok(HttpResponse::Created().json(TreatmentCreated {
        protocol_version: recorded.treatment.protocol_version,
        id: recorded.treatment.id,
        prompts: recorded.prompts.iter().map(PromptView::from).collect(),
        warnings: recorded
            .warnings
            .iter()
            .map(CourseWarningView::from)
            .collect(),
    }))
}

/// Books (or moves) the patient's next session; its reminders replace any earlier ones and the
/// rebook nudge is withdrawn.
#[utoipa::path(
    operation_id = "bookNextSession",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    request_body = BookNextSession,
    responses(
        (status = 200, body = BookedSession, description = "Booked, with the reminders planned before it"),
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
    path: PathId<PatientId>,
    body: Json<BookNextSession>,
) -> ApiResult<HttpResponse> {
    let t = now();
    let starts_at = body.parse(t)?;
    let booked = treatments::book_next_session(
        &state.db,
        &state.protocols,
        &staff.actor(),
        &path,
        starts_at,
        t,
    )
    .await?;
    Ok(HttpResponse::Ok().json(BookedSession {
        id: booked.booking.id,
        starts_at: rfc3339(booked.booking.starts_at),
        reminders: booked.reminders.iter().map(PromptView::from).collect(),
    }))
}

/// Cancels the booked next session and its reminders; the rebook nudge returns while the
/// course continues. Idempotent.
#[utoipa::path(
    operation_id = "cancelNextSession",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    responses(
        (status = 204, description = "Cancelled, with its reminders"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/clinic/patients/{id}/next-session")]
pub async fn cancel_next_session(
    staff: Staff,
    state: web::Data<AppState>,
    path: PathId<PatientId>,
) -> ApiResult<HttpResponse> {
    treatments::cancel_next_session(&state.db, &state.protocols, &staff.actor(), &path, now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Discharges the patient: every prompt and reminder not yet sent is cancelled, the booked
/// session too, and nothing is planned afterwards. Idempotent.
#[utoipa::path(
    operation_id = "dischargePatient",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    responses(
        (status = 200, body = Discharged, description = "Discharged: nothing further is sent"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/patients/{id}/discharge")]
pub async fn discharge(
    staff: Staff,
    state: web::Data<AppState>,
    path: PathId<PatientId>,
) -> ApiResult<HttpResponse> {
    let done = treatments::discharge(&state.db, &staff.actor(), &path, now()).await?;
    Ok(HttpResponse::Ok().json(Discharged {
        id: path.into_inner(),
        discharged_at: rfc3339(done.at),
        cancelled_prompts: done.cancelled_prompts,
    }))
}
