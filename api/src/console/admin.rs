//! The admin pages: the audit log with filters, and staff management (invite, resend an
//! invitation, deactivate). A clinician asking for either gets the 403 page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{AuditAction, PatientId, Role, UserId, UserStatus};
use shared::time::now;

use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, local, see_other};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::state::AppState;
use crate::views::clinic::InviteStaff;

/// Audit rows per page.
const AUDIT_PAGE: i64 = 100;

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub patient_id: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    patient_id: String,
    action: String,
    actions: Vec<(&'static str, bool)>,
    rows: Vec<AuditRow>,
    next: Option<String>,
}

/// `GET /console/audit?patient_id=&action=&after=`
pub async fn audit(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let t = page::texts();
    let q = Fields::parse(req.query_string().as_bytes());
    let patient = q
        .get("patient_id")
        .map(|p| p.chars().take(64).collect::<String>());
    // An action the log does not know matches no entry, as before the filter was typed.
    let action_text = q.get("action").filter(|a| !a.is_empty());
    let action = action_text.map(AuditAction::parse);
    let after = q
        .get("after")
        .map(|a| a.chars().take(64).collect::<String>());
    let query = care::clinic::AuditQuery {
        patient_id: patient.clone().map(PatientId::from),
        any_patient_id: true,
        action: action.flatten(),
        before_id: after,
        limit: AUDIT_PAGE,
    };
    let rows = match action {
        Some(None) => Vec::new(),
        _ => care::clinic::audit_log(&state.db, &user.actor(), query).await?,
    };
    let staff = care::staff::list(&state.db, &user.actor()).await?;
    let name_of = |id: &UserId| {
        staff
            .iter()
            .find(|s| &s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let next = (rows.len() as i64 == AUDIT_PAGE)
        .then(|| rows.last())
        .flatten()
        .map(|last| {
            let mut qs = form_urlencoded::Serializer::new(String::new());
            if let Some(p) = &patient {
                qs.append_pair("patient_id", p);
            }
            if let Some(a) = action_text {
                qs.append_pair("action", a);
            }
            qs.append_pair("after", &last.id);
            qs.finish()
        });
    page::ok(&AuditPage {
        t,
        nav: Nav::of(&user),
        title: t.audit_title.to_owned(),
        patient_id: patient.unwrap_or_default(),
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_str(), action == Some(Some(*a))))
            .collect(),
        action: action_text.unwrap_or_default().chars().take(64).collect(),
        rows: rows
            .iter()
            .map(|r| AuditRow {
                at: local(r.at, &user.clinic_tz),
                actor: r
                    .actor_id
                    .as_ref()
                    .map_or_else(|| t.none.to_owned(), name_of),
                action: r.action.to_string(),
                patient_id: r
                    .patient_id
                    .as_ref()
                    .map_or_else(|| t.none.to_owned(), ToString::to_string),
            })
            .collect(),
        next,
    })
}

pub struct StaffRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub status: &'static str,
    pub can_deactivate: bool,
    /// Still waiting for activation: a new invitation can be sent.
    pub can_resend: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    rows: Vec<StaffRow>,
    notice: Option<String>,
    email: String,
    name: String,
    role: String,
    errors: FieldErrors,
}

async fn staff_page(
    state: &AppState,
    user: &ConsoleUser,
    form: &Fields,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<StaffPage, ConsoleError> {
    let t = page::texts();
    let staff = care::staff::list(&state.db, &user.actor()).await?;
    Ok(StaffPage {
        t,
        nav: Nav::of(user),
        title: t.staff_title.to_owned(),
        csrf: user.csrf.clone(),
        rows: staff
            .into_iter()
            .map(|s| StaffRow {
                is_self: s.id == user.user_id,
                can_deactivate: s.id != user.user_id && s.status != UserStatus::Disabled,
                can_resend: s.status == UserStatus::Invited,
                id: s.id.to_string(),
                role: if s.role == Role::ClinicAdmin {
                    t.clinic_admin
                } else {
                    t.clinician
                },
                status: match s.status {
                    UserStatus::Invited => t.invited,
                    UserStatus::Active => t.active,
                    _ => t.deactivated,
                },
                name: s.name,
                email: s.email,
            })
            .collect(),
        notice,
        email: form.get("email").unwrap_or_default().to_owned(),
        name: form.get("name").unwrap_or_default().to_owned(),
        role: form.get("role").unwrap_or("clinician").to_owned(),
        errors,
    })
}

/// `GET /console/staff`
pub async fn staff(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let page = staff_page(
        &state,
        &user,
        &Fields::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    page::ok(&page)
}

/// `POST /console/staff`: invites a colleague (the API's parser and use case).
pub async fn invite(
    state: web::Data<AppState>,
    user: ConsoleUser,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let body = InviteStaff {
        email: form.get("email").unwrap_or_default().to_owned(),
        name: form.get("name").unwrap_or_default().to_owned(),
        role: form.get("role").unwrap_or_default().to_owned(),
    };
    let failed = match body.parse() {
        Ok(invitation) => {
            match care::invitations::invite_staff(
                &state.db,
                &state.mailer,
                &user.actor(),
                invitation,
                now(),
            )
            .await
            {
                Ok(_) => {
                    let notice = Some(page::texts().invited_note.to_owned());
                    let page = staff_page(
                        &state,
                        &user,
                        &Fields::default(),
                        FieldErrors::default(),
                        notice,
                    )
                    .await?;
                    return page::ok(&page);
                }
                Err(shared::Error::Conflict(why)) => (
                    StatusCode::CONFLICT,
                    FieldErrors(vec![shared::FieldError::new("email", why)]),
                ),
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, field_errors(e)?),
    };
    let (status, errors) = failed;
    let page = staff_page(&state, &user, &form, errors, None).await?;
    page::html(status, &page)
}

/// `POST /console/staff/{id}/invitation`: revokes the colleague's earlier codes and emails a new
/// one (the use case of `POST /v1/clinic/staff/{id}/invitation`); an account already active is
/// the 409 page, another clinic's id the 404 page.
pub async fn resend(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let whose = care::invitations::Whose::Staff(UserId::from(id.into_inner()));
    care::invitations::resend(&state.db, &state.mailer, &user.actor(), whose, now()).await?;
    let notice = Some(page::texts().resent_note.to_owned());
    let page = staff_page(
        &state,
        &user,
        &Fields::default(),
        FieldErrors::default(),
        notice,
    )
    .await?;
    page::ok(&page)
}

/// `POST /console/staff/{id}/deactivate`
pub async fn deactivate(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let id = UserId::from(id.into_inner());
    care::staff::deactivate(&state.db, &user.actor(), &id, now()).await?;
    Ok(see_other("/console/staff"))
}
