//! Before a booked session: a few questions in plain words about what makes a clinic wait
//! (docs/FACTS.md "Who should not be treated": cold sores, sunburn, a skin infection, an open
//! wound, a rash, active acne, isotretinoin, a new blood thinner, pregnancy), "none of these",
//! and an optional note; recorded by `shared::care::screenings::record` as
//! `POST /v1/me/screenings` does. A flagged answer tells the patient the clinic will look at it
//! before the session and puts the clinic's phone one tap away.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::Value;
use shared::Error;
use shared::care::screenings::{self, BeforeSession};
use shared::domain::Contraindication;
use shared::time::now;

use super::page::{self, AppError, MessagePage, Nav};
use super::session::{Patient, SessionForm};
use super::strings::Texts;
use crate::state::AppState;
use crate::views::screening::CreateScreening;

/// The form's page.
pub const FORM: &str = "/app/screening";
/// Where the answer is shown.
pub const ANSWER: &str = "/app/screening/answer";

/// The codes the app asks about, in the order asked.
const ASKED: [Contraindication; 9] = [
    Contraindication::ColdSores,
    Contraindication::Sunburn,
    Contraindication::ActiveInfection,
    Contraindication::OpenWound,
    Contraindication::RashOrInflammation,
    Contraindication::ActiveAcne,
    Contraindication::Isotretinoin,
    Contraindication::BloodThinnersOrClottingDisorder,
    Contraindication::Pregnancy,
];

/// The patient's words for a code (the app asks only [`ASKED`]; the API may record others,
/// shown by their nearest question or their code).
pub fn question(t: &Texts, c: Contraindication) -> String {
    match c {
        Contraindication::ColdSores => t.sq_cold_sores.clone(),
        Contraindication::Sunburn => t.sq_sunburn.clone(),
        Contraindication::ActiveInfection => t.sq_active_infection.clone(),
        Contraindication::OpenWound => t.sq_open_wound.clone(),
        Contraindication::RashOrInflammation => t.sq_rash_or_inflammation.clone(),
        Contraindication::ActiveAcne => t.sq_active_acne.clone(),
        Contraindication::Isotretinoin => t.sq_isotretinoin.clone(),
        Contraindication::BloodThinnersOrClottingDisorder => t.sq_blood_thinners.clone(),
        Contraindication::Pregnancy => t.sq_pregnancy.clone(),
        other => other.as_str().replace('_', " "),
    }
}

/// One question: its code, its words, whether it is ticked.
pub struct Question {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "app/screening.html")]
struct FormPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    intro: String,
    answered: Option<String>,
    questions: Vec<Question>,
    none: bool,
    notes: String,
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "app/screening_answer.html")]
struct AnswerPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    flagged: bool,
    clear: String,
    reported: Vec<String>,
    notes: Option<String>,
    can_change: bool,
}

/// The page for a patient who cannot answer now: no session, too early, or started.
fn closed(
    patient: &Patient,
    before: Option<&BeforeSession>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let tz = &patient.me.profile.timezone;
    let message = match before {
        None => t.screening_no_session.clone(),
        Some(b) if now() < b.opens_at => t.fmt(
            "screening_not_yet",
            &[("when", page::when(b.opens_at, tz, t.lang).into())],
        ),
        Some(b) if b.open => t.screening_too_many.clone(),
        Some(_) => t.screening_closed.clone(),
    };
    page::html(
        status,
        &MessagePage {
            t,
            nav: patient.nav("today"),
            title: &t.screening_title,
            message: &message,
            link: Some(("/app/", &t.back_today)),
        },
    )
}

fn render(
    patient: &Patient,
    before: &BeforeSession,
    status: StatusCode,
    ticked: &[String],
    none: bool,
    notes: &str,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let tz = &patient.me.profile.timezone;
    let intro = t.fmt(
        "screening_intro",
        &[(
            "when",
            page::when(before.booking.starts_at, tz, t.lang).into(),
        )],
    );
    let answered = before.latest.as_ref().map(|s| {
        t.fmt(
            "screening_answered",
            &[("when", page::when(s.created_at, tz, t.lang).into())],
        )
    });
    page::html(
        status,
        &FormPage {
            t,
            nav: patient.nav("today"),
            title: t.screening_title.clone(),
            intro,
            answered,
            questions: ASKED
                .iter()
                .map(|c| Question {
                    code: c.as_str(),
                    label: question(t, *c),
                    checked: ticked.iter().any(|v| v == c.as_str()),
                })
                .collect(),
            none,
            notes: notes.to_owned(),
            message,
        },
    )
}

/// `GET /app/screening`: the questions about the booked session, with the latest answers
/// ticked when the patient already answered for the session's current time; a page saying why
/// not when there is no session, the questions are not open yet, the session has started, or
/// the patient already answered `MAX_ANSWERS` (20) times (call the clinic).
pub async fn form(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    let before = screenings::before_next_session(&state.db, &patient.id, now()).await?;
    let before = match before {
        Some(b) if b.open && b.answers < screenings::MAX_ANSWERS => b,
        other => return closed(&patient, other.as_ref(), StatusCode::OK),
    };
    let (ticked, none, notes) = match &before.latest {
        Some(s) => (
            s.contraindications
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            s.contraindications.is_empty(),
            s.notes.clone().unwrap_or_default(),
        ),
        None => (Vec::new(), false, String::new()),
    };
    render(
        &patient,
        &before,
        StatusCode::OK,
        &ticked,
        none,
        &notes,
        None,
    )
}

/// `POST /app/screening`: records the answers, then shows the answer page. Nothing ticked, or
/// "none of these" with something else, is 422 with the form again; outside the window or past
/// `MAX_ANSWERS` answers 409.
pub async fn submit(
    state: web::Data<AppState>,
    patient: Patient,
    SessionForm(fields): SessionForm,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let before = screenings::before_next_session(&state.db, &patient.id, now()).await?;
    let before = match before {
        Some(b) if b.open && b.answers < screenings::MAX_ANSWERS => b,
        other => return closed(&patient, other.as_ref(), StatusCode::CONFLICT),
    };
    let ticked = fields.all("ci");
    let none = fields.get("none") == Some("yes");
    let notes = fields.get("notes").unwrap_or_default().to_owned();
    let again = |message: &String| {
        let m = Some(message.clone());
        render(
            &patient,
            &before,
            StatusCode::UNPROCESSABLE_ENTITY,
            &ticked,
            none,
            &notes,
            m,
        )
    };
    let known = ticked.iter().all(|v| ASKED.iter().any(|c| c.as_str() == v));
    match (ticked.is_empty(), none) {
        _ if !known => return again(&t.screening_missing),
        (true, false) => return again(&t.screening_missing),
        (false, true) => return again(&t.screening_both),
        _ => {}
    }
    let body = CreateScreening {
        contraindications: Some(Value::Array(
            ticked.iter().cloned().map(Value::String).collect(),
        )),
        notes: Some(Value::String(notes.clone())),
    };
    let form = match body.parse() {
        Ok(f) => f,
        // The codes were checked above, so only the note can be refused.
        Err(Error::Validation(_)) => return again(&t.screening_notes_bad),
        Err(e) => return Err(e.into()),
    };
    match screenings::record(&state.db, &patient.id, form, now()).await {
        Ok(_) => Ok(page::see_other(ANSWER)),
        Err(Error::Conflict(_)) => {
            let again = screenings::before_next_session(&state.db, &patient.id, now()).await?;
            closed(&patient, again.as_ref(), StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /app/screening/answer`: what the latest answer for the booked session means. Flagged:
/// the clinic will look at it before the session, and the clinic's phone; clear: see you then.
/// No answer yet: 303 to the form.
pub async fn answer(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let before = screenings::before_next_session(&state.db, &patient.id, now()).await?;
    let Some((before, latest)) = before.and_then(|b| b.latest.clone().map(|l| (b, l))) else {
        return Ok(page::see_other(FORM));
    };
    let tz = &patient.me.profile.timezone;
    let clear = t.fmt(
        "screening_clear",
        &[(
            "when",
            page::when(before.booking.starts_at, tz, t.lang).into(),
        )],
    );
    page::ok(&AnswerPage {
        t,
        nav: patient.nav("today"),
        title: t.screening_sent_title.clone(),
        flagged: latest.flagged,
        clear,
        reported: latest
            .contraindications
            .iter()
            .map(|c| question(t, *c))
            .collect(),
        notes: latest.notes.clone(),
        can_change: before.open && before.answers < screenings::MAX_ANSWERS,
    })
}
