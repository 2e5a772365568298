//! The course actions on a patient's record: book, move or cancel the next session, discharge
//! after a confirmation step. Each is one use case, then a redirect back to the record
//! confirming what was done (post/redirect/get: a reload never repeats it); a refused booking
//! is the record again with the time as typed and the reason next to the field.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::PatientId;
use shared::time::now;

use super::{local_input_to_rfc3339, render};
use crate::console::page::{self, ConsoleError, Nav, see_other};
use crate::console::session::{ConsoleUser, SessionForm};
use crate::console::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::treatment::BookNextSession;

/// What a course action on the record did, as the page confirms it after the redirect.
pub(super) fn done_notice(code: &str) -> Option<&'static str> {
    let t = page::texts();
    match code {
        DONE_BOOKED => Some(t.booking_saved),
        DONE_CANCELLED => Some(t.booking_cancelled),
        DONE_DISCHARGED => Some(t.discharge_done),
        DONE_RESOLVED => Some(t.esc_resolved_on_record),
        super::sms::DONE_GRANTED => Some(t.sms_consent_recorded),
        super::sms::DONE_WITHDRAWN => Some(t.sms_consent_withdrawn),
        _ => None,
    }
}

const DONE_BOOKED: &str = "booked";
const DONE_CANCELLED: &str = "booking-cancelled";
const DONE_DISCHARGED: &str = "discharged";
/// An escalation resolved from the record's own form.
pub const DONE_RESOLVED: &str = "resolved";

/// Where a course action leads: the record, confirming what was done.
fn back_to_record(id: &PatientId, done: &str) -> HttpResponse {
    see_other(&format!("/console/patients/{id}?done={done}"))
}

/// `POST /console/patients/{id}/next-session`: books or moves the next session, then the record
/// confirms it; a refused time is the record again with the time as typed and the reason next
/// to it.
pub async fn book(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    let typed = form.raw("starts_at").trim().to_owned();
    let starts_at = local_input_to_rfc3339(&typed, &user.clinic_tz);
    let at = now();
    let refused = |status: StatusCode, why: Option<String>| {
        let (state, user, id, typed) = (&state, &user, &id, typed.clone());
        async move {
            let mut page = render(state, user, id).await?;
            page.booking_error = why;
            page.booking_value = typed;
            page::html(status, &page)
        }
    };
    let starts = match (BookNextSession { starts_at }).parse(at) {
        Ok(s) => s,
        Err(e) => {
            let errors = page::field_errors(e)?;
            return refused(StatusCode::UNPROCESSABLE_ENTITY, errors.get("starts_at")).await;
        }
    };
    let booked = care::treatments::book_next_session(
        &state.db,
        &state.protocols,
        &user.actor(),
        &id,
        starts,
        at,
    )
    .await;
    match booked {
        Ok(_) => Ok(back_to_record(&id, DONE_BOOKED)),
        Err(shared::Error::Conflict(_)) => {
            let why = page::texts().booking_discharged.to_owned();
            refused(StatusCode::CONFLICT, Some(why)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /console/patients/{id}/next-session/cancel`, then the record confirms it.
pub async fn cancel_booking(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    care::treatments::cancel_next_session(&state.db, &state.protocols, &user.actor(), &id, now())
        .await?;
    Ok(back_to_record(&id, DONE_CANCELLED))
}

#[derive(Template)]
#[template(path = "console/discharge.html")]
struct DischargePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    name: String,
}

/// `GET /console/patients/{id}/discharge`: the confirmation step.
pub async fn confirm_discharge(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let record = render(&state, &user, &PatientId::from(id.into_inner())).await?;
    let t = page::texts();
    page::ok(&DischargePage {
        t,
        nav: Nav::of(&user),
        title: t.discharge_title.to_owned(),
        csrf: user.csrf.clone(),
        id: record.id,
        name: record.name,
    })
}

/// `POST /console/patients/{id}/discharge`, then the record confirms it.
pub async fn discharge(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    care::treatments::discharge(&state.db, &user.actor(), &id, now()).await?;
    Ok(back_to_record(&id, DONE_DISCHARGED))
}
