//! Tomorrow's sessions (`/console/tomorrow`): every session booked on the clinic's next local
//! day, by time, with each patient's answers to the questions before it
//! (`shared::care::screenings::tomorrow`, audited as one `patient.list` entry): reported items,
//! nothing to report, or not answered yet. The state is written in words with a sign (⚠ ✓ –),
//! never by colour alone, so it reads at a glance between treatments.
//!
//! [`answer`] also words an answer for the patient record's panel (`patient/screenings.rs`).

use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::screenings::Screening;
use shared::domain::TimeZone;
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, Nav, local};
use super::roster::display_name;
use super::session::ConsoleUser;
use super::strings::Strings;
use crate::state::AppState;

/// An answer's state as the console words it.
pub struct Answer {
    /// `flagged`, `clear` or `missing`: the style, never the only sign.
    pub state: &'static str,
    /// The words (`⚠ Reported: cold sores, sunburn`).
    pub label: String,
    pub note: Option<String>,
    /// `Answered 2026-12-07 18:02`, when answered.
    pub answered: Option<String>,
}

/// The latest answer for a booking (none: not answered yet), in the clinic's zone.
pub fn answer(t: &Strings, latest: Option<&Screening>, tz: &TimeZone) -> Answer {
    let Some(s) = latest else {
        return Answer {
            state: "missing",
            label: t.scr_missing.to_owned(),
            note: None,
            answered: None,
        };
    };
    let label = if s.flagged {
        let items = labels::list(t, &s.contraindications, labels::contraindication);
        t.fmt("scr_flagged", &[("items", items.into())])
    } else {
        t.scr_clear.to_owned()
    };
    Answer {
        state: if s.flagged { "flagged" } else { "clear" },
        label,
        note: s.notes.clone(),
        answered: Some(t.fmt("scr_answered", &[("when", local(s.created_at, tz).into())])),
    }
}

pub struct TomorrowRow {
    pub time: String,
    pub patient_id: String,
    pub name: String,
    pub answer: Answer,
}

#[derive(Template)]
#[template(path = "console/tomorrow.html")]
pub struct TomorrowPage {
    pub t: &'static Strings,
    pub nav: Option<Nav>,
    pub title: String,
    pub intro: String,
    pub summary: String,
    pub rows: Vec<TomorrowRow>,
}

/// `GET /console/tomorrow`
pub async fn tomorrow(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let day = care::screenings::tomorrow(&state.db, &user.actor(), now()).await?;
    let tz = &user.clinic_tz;
    let rows: Vec<TomorrowRow> = day
        .entries
        .iter()
        .map(|e| {
            let b = &e.patient;
            let status = if b.erased { "erased" } else { "active" };
            TomorrowRow {
                time: b
                    .booking
                    .starts_at
                    .and_utc()
                    .with_timezone(&tz.0)
                    .format("%H:%M")
                    .to_string(),
                patient_id: b.booking.patient_id.to_string(),
                name: display_name(t, status, &b.given_name, b.family_name.as_deref()),
                answer: answer(t, e.latest.as_ref(), tz),
            }
        })
        .collect();
    let count = |state: &str| rows.iter().filter(|r| r.answer.state == state).count() as i64;
    let summary = t.fmt(
        "tomorrow_summary",
        &[
            ("flagged", count("flagged").into()),
            ("clear", count("clear").into()),
            ("missing", count("missing").into()),
        ],
    );
    let date = day.date.format("%Y-%m-%d").to_string();
    page::ok(&TomorrowPage {
        t,
        nav: Nav::of(&user),
        title: t.tomorrow_title.to_owned(),
        intro: t.fmt("tomorrow_intro", &[("date", date.into())]),
        summary,
        rows,
    })
}
