//! Staff management (clinic admins only): invite, resend an invitation, deactivate. A clinician
//! gets the 403 page. Inviting and resending redirect (303) back to the list, which shows the
//! new code once (handed over in the console's cookie, as for a patient: see
//! [`super::onboarding`]) with what actually happened to the email; reloading resubmits nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{UserId, UserStatus};
use shared::time::now;

use super::labels;
use super::onboarding::{HANDOVER_COOKIE, hand_over, held_for, masked};
use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, see_other};
use super::session::{self, ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::path_id::PathId;
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

/// A colleague's new invitation code, shown once.
pub struct HandedOver {
    pub heading: String,
    pub emailed: bool,
    pub code: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    rows: Vec<StaffRow>,
    handed_over: Option<HandedOver>,
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
    req: Option<&HttpRequest>,
) -> Result<StaffPage, ConsoleError> {
    let t = page::texts();
    let staff = care::staff::list(&state.db, &user.actor()).await?;
    // The code a redirect handed over, for a colleague of this clinic still waiting.
    let handed_over = req.and_then(|req| {
        staff
            .iter()
            .filter(|s| s.status == UserStatus::Invited)
            .find_map(|s| held_for(req, user, s.id.as_str()).map(|h| (s, h)))
            .map(|(s, h)| HandedOver {
                heading: t.fmt("staff_new_code_for", &[("name", s.name.clone().into())]),
                emailed: h.emailed,
                outcome: if h.emailed {
                    t.fmt(
                        "invitation_emailed_to",
                        &[("email", masked(&s.email).into())],
                    )
                } else if state.mailer.is_smtp() {
                    t.fmt("staff_email_failed", &[("name", s.name.clone().into())])
                } else {
                    t.fmt("staff_email_not_set_up", &[("name", s.name.clone().into())])
                },
                code: h.code,
            })
    });
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
        handed_over,
        email: form.get("email").unwrap_or_default().to_owned(),
        name: form.get("name").unwrap_or_default().to_owned(),
        role: form.get("role").unwrap_or("clinician").to_owned(),
        errors,
    })
}

/// `GET /console/staff`: the list; a code handed over by the last invite or resend is shown
/// this once (the cookie is removed with the answer).
pub async fn staff(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let page = staff_page(
        &state,
        &user,
        &Fields::default(),
        FieldErrors::default(),
        Some(&req),
    )
    .await?;
    let shown = page.handed_over.is_some();
    let mut resp = page::ok(&page)?;
    if shown {
        let _ = resp.add_cookie(&session::removal(&state, HANDOVER_COOKIE));
    }
    Ok(resp)
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
                &state.config.public_url,
                now(),
            )
            .await
            {
                Ok((id, invitation)) => {
                    return Ok(hand_over(
                        &state,
                        &user,
                        id.as_str(),
                        &invitation,
                        "/console/staff",
                    ));
                }
                Err(shared::Error::Conflict(why)) => (
                    StatusCode::CONFLICT,
                    FieldErrors(vec![shared::FieldError::new(
                        "email",
                        super::field_messages::localise(page::texts(), &why),
                    )]),
                ),
                // The mail server refused the address for good: said next to the email.
                Err(e @ shared::Error::Validation(_)) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, field_errors(e)?)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, field_errors(e)?),
    };
    let (status, errors) = failed;
    let page = staff_page(&state, &user, &form, errors, None).await?;
    page::html(status, &page)
}

/// `POST /console/staff/{id}/invitation`: revokes the colleague's earlier codes and issues a new
/// one, emailed when email is set up (the use case of `POST /v1/clinic/staff/{id}/invitation`);
/// an account already active is the 409 page, another clinic's id the 404 page.
pub async fn resend(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let id = id.into_inner();
    let whose = care::invitations::Whose::Staff(UserId::from(id.clone()));
    let invitation = care::invitations::resend(
        &state.db,
        &state.mailer,
        &user.actor(),
        whose,
        &state.config.public_url,
        now(),
    )
    .await?;
    Ok(hand_over(&state, &user, &id, &invitation, "/console/staff"))
}

/// `POST /console/staff/{id}/deactivate`
pub async fn deactivate(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let id = UserId::from(id.into_inner());
    care::staff::deactivate(&state.db, &user.actor(), &id, now()).await?;
    Ok(see_other("/console/staff"))
}
