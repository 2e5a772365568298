//! Today, the day-by-day timeline, one prompt, and acknowledging it: the patient's plan as
//! `shared::care::profile::timeline` reads it (the same rows as `GET /v1/me/timeline`), and
//! `shared::care::prompts::acknowledge` (as `POST /v1/me/prompts/{id}/ack`).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use shared::care::profile::{self, DeliveryStep, Prompt};
use shared::care::{prompts, screenings};
use shared::domain::{DeliveryChannel, PromptId, PromptStatus};
use shared::time::now;

use super::page::{self, AppError, Nav, see_other};
use super::session::{Patient, SessionForm};
use super::strings::Texts;
use crate::path_id::PathId;
use crate::state::AppState;

/// How a prompt stands for the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Its time has come and it is not acknowledged: the "Got it" button.
    New,
    Seen,
    /// Not due yet.
    Coming,
    Cancelled,
}

/// One prompt as a page shows it.
pub struct Card {
    pub id: String,
    pub title: String,
    pub body: String,
    /// Its local date and time, as the patient's plan has it, for people (`Tue 8 Dec, 10:00`).
    pub at: String,
    /// The same as a machine reads it (`2026-12-08T10:00`), for `<time datetime>`.
    pub datetime: String,
    pub day: i32,
    pub urgent: bool,
    pub shown: Shown,
    /// "Sent by notification · text" when the prompt was tried on more than one kind of
    /// channel (an important prompt moving down the ladder); else nothing.
    pub sent_by: Option<String>,
}

/// The kinds of channel a prompt was tried on, in the order first tried, as the patient says
/// them (every push service is a notification), when there are two or more.
fn sent_by(steps: Option<&Vec<DeliveryStep>>, t: &Texts) -> Option<String> {
    let mut kinds: Vec<&str> = Vec::new();
    for step in steps.map(Vec::as_slice).unwrap_or_default() {
        let kind = match step.channel {
            DeliveryChannel::Fcm | DeliveryChannel::Apns | DeliveryChannel::WebPush => &t.via_push,
            DeliveryChannel::Sms => &t.via_sms,
            DeliveryChannel::Email | DeliveryChannel::Log => &t.via_email,
        };
        if !kinds.contains(&kind.as_str()) {
            kinds.push(kind);
        }
    }
    (kinds.len() > 1).then(|| t.fmt("sent_by", &[("channels", kinds.join(" · ").into())]))
}

impl Card {
    fn of(p: &Prompt, steps: Option<&Vec<DeliveryStep>>, now: NaiveDateTime, t: &Texts) -> Card {
        let lang = t.lang;
        let shown = match p.status.shown(p.acknowledged_at.is_some()) {
            PromptStatus::Cancelled => Shown::Cancelled,
            PromptStatus::Acknowledged => Shown::Seen,
            _ if p.available_at > now => Shown::Coming,
            _ => Shown::New,
        };
        Card {
            id: p.id.to_string(),
            title: p.title.clone(),
            body: p.body.clone(),
            at: page::local_when(&p.local_date, &p.local_time, lang),
            datetime: format!("{}T{}", p.local_date, p.local_time),
            day: p.day,
            urgent: p.urgent,
            shown,
            sent_by: sent_by(steps, t),
        }
    }

    pub fn is_new(&self) -> bool {
        self.shown == Shown::New
    }

    /// The status word, in the page's language.
    pub fn status<'t>(&self, t: &'t Texts) -> &'t str {
        match self.shown {
            Shown::New => &t.status_new,
            Shown::Seen => &t.status_seen,
            Shown::Coming => &t.status_coming,
            Shown::Cancelled => &t.status_cancelled,
        }
    }

    pub fn class(&self) -> &'static str {
        match self.shown {
            Shown::New if self.urgent => "card new urgent",
            Shown::New => "card new",
            Shown::Seen => "card seen",
            Shown::Coming => "card coming",
            Shown::Cancelled => "card cancelled",
        }
    }
}

/// A day of the timeline: its heading and its prompts.
pub struct Day {
    pub heading: String,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "app/today.html")]
struct TodayPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    hello: String,
    cards: Vec<Card>,
    next: Option<String>,
    /// The questions before a session booked within 3 days, not answered yet: its card's text.
    screening: Option<String>,
}

#[derive(Template)]
#[template(path = "app/timeline.html")]
struct TimelinePage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    days: Vec<Day>,
}

#[derive(Template)]
#[template(path = "app/prompt.html")]
struct PromptPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    card: Card,
    day: String,
    /// For a prompt not due yet: when it is planned.
    note: Option<String>,
    /// A prompt about the booked session while its questions are open: the button's text.
    screening: Option<String>,
}

/// `GET /app/`: the prompts that need the patient now (every one due and not yet seen, newest
/// first, and whatever else today brought), a check-in, and the next session.
pub async fn today(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let plan = profile::timeline_of(&state.db, &patient.id).await?;
    let at = now();
    let tz = &patient.me.profile.timezone;
    let local_today = at
        .and_utc()
        .with_timezone(&tz.0)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let mut cards: Vec<Card> = plan
        .prompts
        .iter()
        .filter(|p| p.available_at <= at)
        .map(|p| {
            (
                p.local_date == local_today,
                Card::of(p, plan.deliveries.get(&p.id), at, t),
            )
        })
        .filter(|(today, c)| c.is_new() || (*today && c.shown == Shown::Seen))
        .map(|(_, c)| c)
        .collect();
    cards.reverse();
    let next = plan.next_session.map(|b| {
        t.fmt(
            "next_on",
            &[("when", page::when(b.starts_at, tz, t.lang).into())],
        )
    });
    let hello = t.fmt(
        "hello",
        &[("name", patient.me.profile.given_name.clone().into())],
    );
    let screening = screenings::before_next_session(&state.db, &patient.id, at)
        .await?
        .filter(|b| b.waiting())
        .map(|b| {
            t.fmt(
                "screening_card_body",
                &[("when", page::when(b.booking.starts_at, tz, t.lang).into())],
            )
        });
    page::ok(&TodayPage {
        t,
        nav: patient.nav("today"),
        title: t.today_title.clone(),
        hello,
        cards,
        next,
        screening,
    })
}

/// `GET /app/timeline`: every prompt of the plan, day by day, past and coming.
pub async fn timeline(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let plan = profile::timeline_of(&state.db, &patient.id).await?;
    let at = now();
    let mut days: Vec<Day> = Vec::new();
    let mut current: Option<(i32, String)> = None;
    for p in &plan.prompts {
        let key = (p.day, p.local_date.clone());
        if current.as_ref() != Some(&key) {
            let heading = format!(
                "{} · {}",
                t.fmt("day_label", &[("day", p.day.into())]),
                page::local_day(&p.local_date, t.lang)
            );
            days.push(Day {
                heading,
                cards: Vec::new(),
            });
            current = Some(key);
        }
        if let Some(d) = days.last_mut() {
            d.cards.push(Card::of(p, plan.deliveries.get(&p.id), at, t));
        }
    }
    page::ok(&TimelinePage {
        t,
        nav: patient.nav("timeline"),
        title: t.timeline_title.clone(),
        days,
    })
}

/// `GET /app/prompts/{id}`: one of the patient's prompts (where a notification's tap leads).
/// Another patient's id, or an unknown one, is the 404 page. A prompt not due yet shows only
/// when it is planned.
pub async fn prompt(
    state: web::Data<AppState>,
    patient: Patient,
    id: PathId<PromptId, AppError>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let plan = profile::timeline_of(&state.db, &patient.id).await?;
    let p = plan
        .prompts
        .iter()
        .find(|p| p.id == *id)
        .ok_or_else(AppError::not_found)?;
    let card = Card::of(p, plan.deliveries.get(&p.id), now(), t);
    let day = t.fmt("day_label", &[("day", p.day.into())]);
    let note = (card.shown == Shown::Coming)
        .then(|| t.fmt("prompt_not_yet", &[("when", card.at.clone().into())]));
    let screening = match &p.booking_id {
        Some(booking) => screenings::before_next_session(&state.db, &patient.id, now())
            .await?
            .filter(|b| b.open && b.booking.id == *booking)
            .map(|b| match b.latest {
                Some(_) => t.screening_change.clone(),
                None => t.screening_start.clone(),
            }),
        None => None,
    };
    page::ok(&PromptPage {
        t,
        nav: patient.nav("timeline"),
        title: card.title.clone(),
        card,
        day,
        note,
        screening,
    })
}

/// `POST /app/prompts/{id}/acknowledge`: marks the prompt seen (idempotent), then back to the
/// page the form names (`back`: `today`, `timeline` or the prompt's own page).
pub async fn acknowledge(
    state: web::Data<AppState>,
    patient: Patient,
    id: PathId<PromptId, AppError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    prompts::acknowledge(&state.db, &patient.id, &id, now()).await?;
    let back = match form.get("back") {
        Some("timeline") => format!("/app/timeline#p-{id}"),
        Some("prompt") => format!("/app/prompts/{id}"),
        _ => "/app/".to_owned(),
    };
    Ok(see_other(&back))
}
