//! Patients of the caller's clinic: enrolment (`POST /v1/clinic/patients`), the list and one
//! patient's record. Every read or change of a patient's data is audited in the same
//! transaction as the query.

use actix_web::{HttpResponse, get, post, web};
use shared::care::invitations;
use shared::care::roster::{self, ListQuery, ListStatus};
use shared::domain::{PatientId, UserStatus};
use shared::time::now;

use crate::error::ApiResult;
use crate::extract::Staff;
use crate::pagination;
use crate::state::AppState;
use crate::views::clinic::{Created, EnrolPatient, ListParams, PatientPage};
use crate::views::record::{PatientRecordView, PatientSummaryView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(enrol)
        .service(list)
        .service(detail)
        .service(resend_invitation);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(enrol, list, detail, resend_invitation),
    components(schemas(
        EnrolPatient,
        Created,
        PatientPage,
        PatientSummaryView,
        PatientRecordView
    ))
)]
pub struct Doc;

/// Enrols a patient: an invited account with default preferences (quiet hours 21:00–08:00,
/// push and email on, private lock-screen previews); the invitation is emailed in the
/// patient's language.
#[utoipa::path(
    operation_id = "enrolPatient",
    tag = "clinic",
    request_body = EnrolPatient,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Created),
        (status = 409, description = "This email is already enrolled in this clinic", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    )
)]
#[post("/v1/clinic/patients")]
pub async fn enrol(
    staff: Staff,
    state: web::Data<AppState>,
    body: web::Json<EnrolPatient>,
) -> ApiResult<HttpResponse> {
    let enrolment = body.into_inner().parse()?;
    let id = invitations::enrol_patient(&state.db, &state.mailer, &staff.actor(), enrolment, now())
        .await?;
    Ok(HttpResponse::Created().json(Created {
        id: id.into_string(),
        status: UserStatus::Invited,
    }))
}

/// The clinic's patients, newest enrolment first.
#[utoipa::path(
    operation_id = "listPatients",
    tag = "clinic",
    params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, body = PatientPage), (status = 422, body = crate::error::Problem))
)]
#[get("/v1/clinic/patients")]
pub async fn list(
    staff: Staff,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> ApiResult<web::Json<PatientPage>> {
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ListStatus::parse(s).ok_or_else(|| {
            crate::error::invalid("status", "must be invited, active, discharged or erased")
        })?),
    };
    let query = ListQuery {
        status,
        q: p.q,
        before_id: pagination::decode_cursor(p.cursor.as_deref())?,
        limit: limit + 1,
    };
    let shown = usize::try_from(limit).unwrap_or(0);
    let rows = roster::list(&state.db, &staff.actor(), query, shown, now()).await?;
    let (rows, next_cursor) = pagination::split(rows, limit, |r| r.id.to_string());
    let items = rows.into_iter().map(PatientSummaryView::from).collect();
    Ok(web::Json(PatientPage { items, next_cursor }))
}

/// One patient's profile, treatments, prompts (with status and acknowledgement), check-ins,
/// escalations and next booked session.
#[utoipa::path(
    operation_id = "getPatient",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    security(("bearer" = [])),
    responses((status = 200, body = PatientRecordView), (status = 404, body = crate::error::Problem))
)]
#[get("/v1/clinic/patients/{id}")]
pub async fn detail(
    staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
) -> ApiResult<web::Json<PatientRecordView>> {
    let record = roster::record(&state.db, &staff.actor(), &id, now()).await?;
    Ok(web::Json(PatientRecordView::from(record)))
}

/// Emails a patient who has not activated the app yet a new invitation code (the old one, used
/// or expired or not, stops working).
#[utoipa::path(
    operation_id = "resendPatientInvitation",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "a new invitation was emailed"),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "the account is already active (or erased)", body = crate::error::Problem),
        (status = 503, description = "the email could not be sent; try again"),
    )
)]
#[post("/v1/clinic/patients/{id}/invitation")]
pub async fn resend_invitation(
    staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
) -> ApiResult<HttpResponse> {
    let whose = invitations::Whose::Patient(id.into_inner());
    invitations::resend(&state.db, &state.mailer, &staff.actor(), whose, now()).await?;
    Ok(HttpResponse::Accepted().finish())
}
