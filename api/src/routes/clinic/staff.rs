//! The clinic itself and its people: `GET /v1/clinic`, inviting staff
//! (`POST /v1/clinic/staff`) and reading the audit log (`GET /v1/clinic/audit`).

use actix_web::{HttpResponse, get, post, web};
use shared::care::clinic::{self, AuditQuery};
use shared::care::invitations;
use shared::domain::{PatientId, UserId, UserStatus};
use shared::time::{now, to_utc};

use crate::error::{ApiResult, invalid};
use crate::extract::{Admin, Staff};
use crate::json::Json;
use crate::pagination;
use crate::path_id::{PathId, is_canonical_uuid};
use crate::state::AppState;
use crate::views::clinic::{AuditItem, AuditPage, AuditParams, ClinicView, Created, InviteStaff};
use crate::views::invitation::InvitationSent;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_clinic)
        .service(invite_staff)
        .service(resend_staff_invitation)
        .service(audit_log);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_clinic, invite_staff, resend_staff_invitation, audit_log),
    components(schemas(ClinicView, InviteStaff, AuditItem, AuditPage))
)]
pub struct Doc;

/// The caller's clinic.
#[utoipa::path(
    operation_id = "getClinic",tag = "clinic", security(("bearer" = [])), responses((status = 200, body = ClinicView, description = "The caller's clinic")))]
#[get("/v1/clinic")]
pub async fn get_clinic(
    staff: Staff,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ClinicView>> {
    let c = clinic::find(&state.db, &staff.actor()).await?;
    Ok(web::Json(ClinicView {
        id: c.id,
        name: c.name,
        timezone: c.timezone.name().to_owned(),
        contact_phone: c.contact_phone,
        contact_email: c.contact_email,
    }))
}

/// Invites a colleague (admins only); the invitation code is emailed when email is set up, and
/// `invitation` says what happened (the code to hand over when `emailed` is `false`).
#[utoipa::path(
    operation_id = "inviteStaff",
    tag = "clinic",
    request_body = InviteStaff,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Created, description = "Invited"),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
        (status = 503, description = "the configured SMTP server did not accept the invitation; nothing was created, try again"),
    )
)]
#[post("/v1/clinic/staff")]
pub async fn invite_staff(
    admin: Admin,
    state: web::Data<AppState>,
    body: Json<InviteStaff>,
) -> ApiResult<HttpResponse> {
    let invitation = body.into_inner().parse()?;
    let (id, invitation) = invitations::invite_staff(
        &state.db,
        &state.mailer,
        &admin.actor(),
        invitation,
        &state.config.public_url,
        now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(Created {
        id: id.into_string(),
        status: UserStatus::Invited,
        invitation: invitation.into(),
    }))
}

/// Issues a colleague who has not activated their account yet a new invitation code (admins
/// only; the old code stops working), emailed when email is set up.
#[utoipa::path(
    operation_id = "resendStaffInvitation",
    tag = "clinic",
    params(("id" = String, Path, description = "staff user id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "a new invitation was issued (and emailed when `emailed`)", body = InvitationSent),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "the account is already active", body = crate::error::Problem),
        (status = 503, description = "the configured SMTP server did not accept the email; try again"),
    )
)]
#[post("/v1/clinic/staff/{id}/invitation")]
pub async fn resend_staff_invitation(
    admin: Admin,
    state: web::Data<AppState>,
    id: PathId<UserId>,
) -> ApiResult<HttpResponse> {
    let whose = invitations::Whose::Staff(id.into_inner());
    let invitation = invitations::resend(
        &state.db,
        &state.mailer,
        &admin.actor(),
        whose,
        &state.config.public_url,
        now(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(InvitationSent {
        invitation: invitation.into(),
    }))
}

/// Who read or changed which patient's data, newest first (admins only).
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "clinic",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditPage, description = "A page of audit entries, newest first"),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "patient_id is not a patient of this clinic", body = crate::error::Problem),
    )
)]
#[get("/v1/clinic/audit")]
pub async fn audit_log(
    admin: Admin,
    state: web::Data<AppState>,
    params: web::Query<AuditParams>,
) -> ApiResult<web::Json<AuditPage>> {
    const LIST: &str = "/v1/clinic/audit";
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    let before = state.cursors.read(LIST, p.cursor.as_deref())?;
    let about = match p.patient_id.filter(|s| !s.is_empty()) {
        None => None,
        Some(id) if is_canonical_uuid(&id) => Some(PatientId::from(id)),
        Some(_) => return Err(invalid("patient_id", "is not a patient id")),
    };
    let query = AuditQuery {
        patient_id: about.clone(),
        any_patient_id: false,
        action: None,
        before_id: before,
        limit: limit + 1,
    };
    let rows = clinic::audit_log(&state.db, &admin.actor(), query).await?;
    let (rows, next_cursor) = state.cursors.split(LIST, rows, limit, |r| r.id.clone());
    Ok(web::Json(AuditPage {
        items: rows
            .into_iter()
            .map(|r| AuditItem {
                at: to_utc(r.at),
                actor_id: r.actor_id,
                action: r.action.to_string(),
                patient_id: r.patient_id.or_else(|| about.clone()),
                patient_ids: r.subject_ids.map(|l| l.into_vec()).unwrap_or_default(),
            })
            .collect(),
        next_cursor,
    }))
}
