//! The clinic itself and its people: `GET /v1/clinic`, inviting staff
//! (`POST /v1/clinic/staff`) and reading the audit log (`GET /v1/clinic/audit`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::Error;
use shared::db::{audit, clinics, new_id, users};
use shared::domain::{Email, Locale, Role};
use shared::mail::account::Audience;
use shared::time::{now, to_utc};

use super::patients::Created;
use crate::error::{ApiResult, invalid};
use crate::extract::{Admin, Staff};
use crate::invites;
use crate::pagination;
use crate::state::AppState;
use crate::validate::{self, Fields};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_clinic)
        .service(invite_staff)
        .service(audit_log);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_clinic, invite_staff, audit_log),
    components(schemas(ClinicView, InviteStaff, AuditItem, AuditPage))
)]
pub struct Doc;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicView {
    pub id: String,
    pub name: String,
    pub timezone: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// The caller's clinic.
#[utoipa::path(tag = "clinic", security(("bearer" = [])), responses((status = 200, body = ClinicView)))]
#[get("/v1/clinic")]
pub async fn get_clinic(
    staff: Staff,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ClinicView>> {
    let id = staff.clinic_id.clone();
    let c = state.db.run(move |c| clinics::find(c, &id)).await?;
    Ok(web::Json(ClinicView {
        id: c.id,
        name: c.name,
        timezone: c.timezone,
        contact_phone: c.contact_phone,
        contact_email: c.contact_email,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InviteStaff {
    pub email: String,
    pub name: String,
    /// `clinic_admin` or `clinician`.
    pub role: String,
}

/// Invites a colleague (admins only); the invitation code is emailed.
#[utoipa::path(
    tag = "clinic",
    request_body = InviteStaff,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Created),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    )
)]
#[post("/v1/clinic/staff")]
pub async fn invite_staff(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<InviteStaff>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut f = Fields::default();
    let email = f.check("email", Email::parse(&b.email));
    let name = f.check("name", validate::text(&b.name, 200));
    let role = f.check(
        "role",
        Role::parse(b.role.trim())
            .filter(|r| r.is_staff())
            .ok_or_else(|| "must be clinic_admin or clinician".to_owned()),
    );
    f.finish()?;
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Err(invalid("body", "is invalid"));
    };
    let t = now();
    let user = users::User {
        id: new_id(),
        clinic_id: admin.clinic_id.clone(),
        email: email.as_str().to_owned(),
        name,
        role: role.as_str().into(),
        status: users::status::INVITED.into(),
        password_hash: None,
        created_at: t,
        updated_at: t,
    };
    let id = user.id.clone();
    let actor = admin.user_id.clone();
    let code = invites::create_invited(&state.db, user, move |c, user| {
        users::insert(c, user)?;
        audit::record(c, &user.clinic_id, Some(&actor), "staff.invite", None, t)
    })
    .await?;
    let invitee = invites::Invitee {
        user_id: &id,
        email: email.as_str(),
        locale: Locale::En,
        audience: Audience::Staff,
        patient_id: None,
    };
    invites::deliver_or_undo(&state.db, &state.mailer, &admin, invitee, &code).await?;
    Ok(HttpResponse::Created().json(Created {
        id,
        status: users::status::INVITED,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only entries about this patient.
    pub patient_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    /// e.g. `patient.read`, `patient.enrol`.
    pub action: String,
    pub patient_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    pub next_cursor: Option<String>,
}

/// Who read or changed which patient's data, newest first (admins only).
#[utoipa::path(
    tag = "clinic",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditPage),
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
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    let before = pagination::decode_cursor(p.cursor.as_deref())?;
    let clinic = admin.clinic_id.clone();
    let patient = p.patient_id.filter(|s| !s.is_empty());
    let rows = state
        .db
        .run(move |c| {
            if let Some(pid) = &patient {
                // Another clinic's patient is as unknown here as anywhere else.
                let u = users::find_in_clinic(c, &clinic, pid)?;
                if u.role != Role::Patient.as_str() {
                    return Err(Error::NotFound);
                }
            }
            audit::list(c, &clinic, patient.as_deref(), before.as_deref(), limit + 1)
        })
        .await?;
    let (rows, next_cursor) = pagination::split(rows, limit, |r| r.id.clone());
    Ok(web::Json(AuditPage {
        items: rows
            .into_iter()
            .map(|r| AuditItem {
                at: to_utc(r.at),
                actor_id: r.actor_id,
                action: r.action,
                patient_id: r.patient_id,
            })
            .collect(),
        next_cursor,
    }))
}
