//! Patients of the caller's clinic: enrolment (`POST /v1/clinic/patients`), the list and one
//! patient's record. Every read or change of a patient's data is audited in the same
//! transaction as the query.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use shared::Error;
use shared::db::roster::{self, ListQuery, ListStatus, PatientRecord, PatientSummary};
use shared::db::{audit, new_id, patients, users};
use shared::domain::{Email, Locale, Role, TimeZone};
use shared::mail::account::Audience;
use shared::time::now;

use crate::error::{ApiError, ApiResult};
use crate::extract::Staff;
use crate::invites;
use crate::pagination;
use crate::state::AppState;
use crate::validate::{self, Fields};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(enrol).service(list).service(detail);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(enrol, list, detail),
    components(schemas(EnrolPatient, Created, PatientPage, PatientSummary, PatientRecord))
)]
pub struct Doc;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnrolPatient {
    pub email: String,
    pub given_name: String,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// IANA time zone, e.g. `Europe/Madrid`.
    pub timezone: String,
    /// `en` or `es`.
    pub locale: String,
}

/// A newly invited account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
    /// Always `invited`.
    pub status: &'static str,
}

pub const NAME_MAX: usize = 100;

/// Enrols a patient: an invited account with default preferences (quiet hours 21:00–08:00,
/// push and email on, private lock-screen previews); the invitation is emailed in the
/// patient's language.
#[utoipa::path(
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
    let b = body.into_inner();
    let mut f = Fields::default();
    let email = f.check("email", Email::parse(&b.email));
    let given = f.check("given_name", validate::text(&b.given_name, NAME_MAX));
    let family = f.check(
        "family_name",
        validate::optional_text(b.family_name.as_deref(), NAME_MAX),
    );
    let phone = f.check("phone", validate::optional_phone(b.phone.as_deref()));
    let tz = f.check("timezone", TimeZone::parse(&b.timezone));
    let locale = f.check(
        "locale",
        Locale::parse(b.locale.trim()).ok_or_else(|| "must be en or es".to_owned()),
    );
    f.finish()?;
    let (Some(email), Some(given), Some(family), Some(phone), Some(tz), Some(locale)) =
        (email, given, family, phone, tz, locale)
    else {
        return Err(ApiError(Error::invalid("body", "is invalid")));
    };

    let t = now();
    let id = new_id();
    let user = users::User {
        id: id.clone(),
        clinic_id: staff.clinic_id.clone(),
        email: email.as_str().to_owned(),
        name: match &family {
            Some(fam) => format!("{given} {fam}"),
            None => given.clone(),
        },
        role: Role::Patient.as_str().into(),
        status: users::status::INVITED.into(),
        password_hash: None,
        created_at: t,
        updated_at: t,
    };
    let profile = patients::PatientProfile {
        family_name: family,
        phone,
        ..patients::PatientProfile::with_defaults(&id, &staff.clinic_id, &given, tz, locale, t)
    };
    let actor = staff.user_id.clone();
    let code = invites::create_invited(&state.db, user, move |c, user| {
        users::insert(c, user)?;
        patients::insert(c, &profile)?;
        audit::record(
            c,
            &user.clinic_id,
            Some(&actor),
            "patient.enrol",
            Some(&user.id),
            t,
        )
    })
    .await?;
    let invitee = invites::Invitee {
        user_id: &id,
        email: email.as_str(),
        locale,
        audience: Audience::Patient,
        patient_id: Some(&id),
    };
    invites::deliver_or_undo(&state.db, &state.mailer, &staff, invitee, &code).await?;
    Ok(HttpResponse::Created().json(Created {
        id,
        status: users::status::INVITED,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `invited`, `active` or `discharged`.
    pub status: Option<String>,
    /// Part of a name or email.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatientPage {
    pub items: Vec<PatientSummary>,
    pub next_cursor: Option<String>,
}

/// The clinic's patients, newest enrolment first.
#[utoipa::path(
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
            crate::error::invalid("status", "must be invited, active or discharged")
        })?),
    };
    let query = ListQuery {
        status,
        q: p.q,
        before_id: pagination::decode_cursor(p.cursor.as_deref())?,
        limit: limit + 1,
    };
    let (clinic, actor) = (staff.clinic_id.clone(), staff.user_id.clone());
    let rows = state
        .db
        .transaction(move |c| {
            let rows = roster::list(c, &clinic, &query)?;
            let t = now();
            for r in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
                audit::record(c, &clinic, Some(&actor), "patient.list", Some(&r.id), t)?;
            }
            Ok(rows)
        })
        .await?;
    let (items, next_cursor) = pagination::split(rows, limit, |r| r.id.clone());
    Ok(web::Json(PatientPage { items, next_cursor }))
}

/// One patient's profile, treatments, prompts (with status and acknowledgement), check-ins,
/// escalations and next booked session.
#[utoipa::path(
    tag = "clinic",
    params(("id" = String, Path, description = "patient id")),
    security(("bearer" = [])),
    responses((status = 200, body = PatientRecord), (status = 404, body = crate::error::Problem))
)]
#[get("/v1/clinic/patients/{id}")]
pub async fn detail(
    staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<web::Json<PatientRecord>> {
    let (clinic, actor, id) = (
        staff.clinic_id.clone(),
        staff.user_id.clone(),
        id.into_inner(),
    );
    let record = state
        .db
        .transaction(move |c| {
            let record = roster::record(c, &clinic, &id)?;
            audit::record(c, &clinic, Some(&actor), "patient.read", Some(&id), now())?;
            Ok(record)
        })
        .await?;
    Ok(web::Json(record))
}
