//! The booked next session, and "Add to calendar": the same calendar file as
//! `GET /v1/me/next-session.ics` (`views::calendar`, from `shared::care::profile::next_session`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care::profile;

use super::page::{self, AppError, Nav};
use super::session::Patient;
use super::strings::Texts;
use crate::routes::patient::rights::host;
use crate::state::AppState;
use crate::views::calendar;

#[derive(Template)]
#[template(path = "app/next_session.html")]
struct NextSessionPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    /// When, in the patient's zone and language; `None` when nothing is booked.
    when: Option<String>,
}

/// `GET /app/next-session`
pub async fn show(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let when = match profile::next_session(&state.db, &patient.id).await {
        Ok(next) => Some(page::when(
            next.booking.starts_at,
            &patient.me.profile.timezone,
            t.lang,
        )),
        Err(Error::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    page::ok(&NextSessionPage {
        t,
        nav: patient.nav("next-session"),
        title: t.next_title.clone(),
        when,
    })
}

/// `GET /app/next-session.ics`: the calendar file (a download); nothing booked is the 404 page.
pub async fn ics(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    let next = profile::next_session(&state.db, &patient.id).await?;
    let body = calendar::next_session(
        &next.booking,
        &next.clinic,
        next.locale,
        host(&state.config.public_url),
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, calendar::CONTENT_TYPE))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"next-session.ics\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
