//! Patients of the caller's clinic: enrolment (`POST /v1/clinic/patients`), the list, one
//! patient's record, correcting their details (`PATCH /v1/clinic/patients/{id}`) and resending
//! their invitation. Every read or change of a patient's data is audited in the same
//! transaction as the query.

use actix_web::{HttpResponse, get, patch, post, web};
use shared::care::roster::{self, ListQuery, ListStatus};
use shared::care::sms::{self, ConsentChange};
use shared::care::{StaffActor, invitations, patient_details};
use shared::domain::UserStatus;
use shared::domain::{CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource, E164, PatientId};
use shared::time::now;

use crate::error::{ApiResult, invalid};
use crate::extract::Staff;
use crate::json::Json;
use crate::pagination;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::clinic::{Created, EnrolPatient, ListParams, PatientPage};
use crate::views::invitation::{
    ConsentGrant, CorrectPatient, InvitationSent, InvitationView, NO_PHONE, PatientDetailsView,
};
use crate::views::record::{InboundTextView, PatientRecordView, PatientSummaryView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(enrol)
        .service(list)
        .service(detail)
        .service(correct)
        .service(resend_invitation);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(enrol, list, detail, correct, resend_invitation),
    components(schemas(
        EnrolPatient,
        ConsentGrant,
        InboundTextView,
        Created,
        InvitationView,
        InvitationSent,
        CorrectPatient,
        PatientDetailsView,
        PatientPage,
        PatientSummaryView,
        PatientRecordView
    ))
)]
pub struct Doc;

/// Enrols a patient: an invited account with default preferences (quiet hours 21:00–08:00,
/// push and email on, private lock-screen previews). The invitation is emailed in the
/// patient's language when email is set up; `invitation` says what happened and carries the
/// code and link for the front desk to hand over (`emailed: false` when email is not set up).
/// A configured SMTP server that does not accept the email undoes the enrolment: 503 to retry,
/// or 422 on `email` when it refused the address. `sms_consent` records the patient's answer to
/// the consent wording (source `clinic`, recorded by the caller).
#[utoipa::path(
    operation_id = "enrolPatient",
    tag = "clinic",
    request_body = EnrolPatient,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Created, description = "Enrolled and invited"),
        (status = 409, description = "This email is already enrolled in this clinic", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
        (status = 503, description = "the configured SMTP server did not accept the invitation; nothing was enrolled, try again"),
    )
)]
#[post("/v1/clinic/patients")]
pub async fn enrol(
    staff: Staff,
    state: web::Data<AppState>,
    body: Json<EnrolPatient>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let consent = body.sms_consent.clone();
    let enrolment = body.parse()?;
    let (id, invitation) = invitations::enrol_patient(
        &state.db,
        &state.mailer,
        &staff.actor(),
        enrolment,
        &state.config.public_url,
        now(),
    )
    .await?;
    if let Some(grant) = consent {
        record_clinic_consent(&state, &staff.actor(), &id, grant.granted).await?;
    }
    Ok(HttpResponse::Created().json(Created {
        id: id.into_string(),
        status: UserStatus::Invited,
        invitation: invitation.into(),
    }))
}

/// The clinic's patients, newest enrolment first.
#[utoipa::path(
    operation_id = "listPatients",
    tag = "clinic",
    params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, body = PatientPage, description = "A page of patients"), (status = 422, body = crate::error::Problem))
)]
#[get("/v1/clinic/patients")]
pub async fn list(
    staff: Staff,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> ApiResult<web::Json<PatientPage>> {
    const LIST: &str = "/v1/clinic/patients";
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
        before_id: state.cursors.read(LIST, p.cursor.as_deref())?,
        limit: limit + 1,
    };
    let shown = usize::try_from(limit).unwrap_or(0);
    let rows = roster::list(&state.db, &staff.actor(), query, shown, now()).await?;
    let (rows, next_cursor) = state.cursors.split(LIST, rows, limit, |r| r.id.to_string());
    let items = rows.into_iter().map(PatientSummaryView::from).collect();
    Ok(web::Json(PatientPage { items, next_cursor }))
}

/// One patient's profile, treatments, prompts (with status, acknowledgement and each delivery
/// step), check-ins, escalations, next booked session, consent to texts and the texts the
/// patient sent to the service's number (newest first, the last 50).
#[utoipa::path(
    operation_id = "getPatient",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    security(("bearer" = [])),
    responses((status = 200, body = PatientRecordView, description = "The patient's record"), (status = 404, body = crate::error::Problem))
)]
#[get("/v1/clinic/patients/{id}")]
pub async fn detail(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<PatientId>,
) -> ApiResult<web::Json<PatientRecordView>> {
    let actor = staff.actor();
    let record = roster::record(&state.db, &actor, &id, now()).await?;
    let consent = sms::consent(&state.db, &id).await?;
    let texts = sms::texts_for_patient(&state.db, &actor.clinic_id, &id, TEXTS_SHOWN).await?;
    let mut view = PatientRecordView::from(record);
    view.sms_consent = consent.map(Into::into);
    view.texts = texts.into_iter().map(InboundTextView::from).collect();
    Ok(web::Json(view))
}

/// Corrects a patient's email, phone or names (any of them; `null` clears `phone` or
/// `family_name`; a phone must be international, and is stored in E.164) and records their
/// consent to texts (`sms_consent`, with the patient present: source `clinic`; the text version
/// must be the current one, and a grant needs a phone). A changed email of a patient who has not activated the app yet gets a new
/// invitation (the old code stops working), returned in `invitation`; if the email cannot be
/// sent the change stands and `invitation.emailed` is `false`. Each changed field is audited
/// (never its value). An erased patient is 409: erased data is never filled in again.
#[utoipa::path(
    operation_id = "correctPatient",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    request_body = CorrectPatient,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PatientDetailsView, description = "The corrected profile"),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "another account of the clinic has this email, or the patient was erased", body = crate::error::Problem),
        (status = 422, description = "a bad value or an unknown field, named in `errors`", body = crate::error::Problem),
    )
)]
#[patch("/v1/clinic/patients/{id}")]
pub async fn correct(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<PatientId>,
    body: Json<CorrectPatient>,
) -> ApiResult<web::Json<PatientDetailsView>> {
    let body = body.into_inner();
    let consent = body.sms_consent.clone();
    let form = body.parse()?;
    let corrected = patient_details::correct(
        &state.db,
        &state.mailer,
        &staff.actor(),
        &id,
        form,
        &state.config.public_url,
        now(),
    )
    .await?;
    let recorded = match consent {
        Some(grant) => {
            if grant.granted && !corrected.profile.phone.as_deref().is_some_and(valid_phone) {
                return Err(invalid("sms_consent", NO_PHONE));
            }
            record_clinic_consent(&state, &staff.actor(), &id, grant.granted).await?;
            true
        }
        None => false,
    };
    let in_force = sms::consent(&state.db, &id).await?;
    Ok(web::Json(PatientDetailsView::new(
        corrected, in_force, recorded,
    )))
}

/// Issues a patient who has not activated the app yet a new invitation code (the old one, used
/// or expired or not, stops working) and emails it when email is set up; `invitation` carries
/// the code to hand over and says whether it was emailed.
#[utoipa::path(
    operation_id = "resendPatientInvitation",
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "a new invitation was issued (and emailed when `emailed`)", body = InvitationSent),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "the account is already active (or erased)", body = crate::error::Problem),
        (status = 503, description = "the configured SMTP server did not accept the email; try again"),
    )
)]
#[post("/v1/clinic/patients/{id}/invitation")]
pub async fn resend_invitation(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<PatientId>,
) -> ApiResult<HttpResponse> {
    let whose = invitations::Whose::Patient(id.into_inner());
    let invitation = invitations::resend(
        &state.db,
        &state.mailer,
        &staff.actor(),
        whose,
        &state.config.public_url,
        now(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(InvitationSent {
        invitation: invitation.into(),
    }))
}

/// How many of the patient's inbound texts the record shows.
const TEXTS_SHOWN: i64 = 50;

fn valid_phone(phone: &str) -> bool {
    E164::parse(phone).is_ok()
}

/// Records consent given (or refused, or withdrawn) to the clinic with the patient present, by
/// the calling staff member, for the current wording (the body's version was checked).
async fn record_clinic_consent(
    state: &AppState,
    actor: &StaffActor,
    patient_id: &PatientId,
    granted: bool,
) -> ApiResult<()> {
    let change = ConsentChange {
        clinic_id: actor.clinic_id.clone(),
        patient_id: patient_id.clone(),
        granted,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        source: ConsentSource::Clinic,
        method: ConsentMethod::Api,
        recorded_by: Some(actor.user_id.clone()),
    };
    sms::record_consent(&state.db, change, now()).await?;
    tracing::info!(patient_id = %patient_id, granted, "text consent recorded by the clinic");
    Ok(())
}
