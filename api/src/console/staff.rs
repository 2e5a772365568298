//! Staff management (clinic admins only): invite, resend an invitation, deactivate. A clinician
//! gets the 403 page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{UserId, UserStatus};
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, see_other};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::state::AppState;
use crate::views::clinic::InviteStaff;

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
                role: labels::role(t, s.role),
                status: labels::staff_status(t, s.status),
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
