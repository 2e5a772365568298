//! A version's plan for a sample treatment (`GET /console/protocols/{id}/preview`), a draft's
//! included: the form (date and time, areas, depth, device, PRP, language, session of the
//! course, and optionally a booked next session for the preparation prompts) and, once sent,
//! every prompt day by day as the patient would read it, in the clinic's time zone.
//! A form that is not filled in right is shown with its findings; the plan is not made.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use shared::care;
use shared::domain::{Area, CombinedWith, Device, Locale, NeedleDepth, ProtocolId};
use shared::protocol::PreviewInput;
use shared::{Error, FieldError};

use super::errors::{SummaryLine, split};
use super::prompt_form::Choice;
use super::{load, version_name};
use crate::console::labels;
use crate::console::page::{self, ConsoleError, FieldErrors, Nav, texts};
use crate::console::session::{ConsoleUser, Fields};
use crate::console::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

/// The prompts of one local day.
pub struct Day {
    pub heading: String,
    pub prompts: Vec<Line>,
}

pub struct Line {
    pub time: String,
    pub title: String,
    pub body: String,
    pub kind: &'static str,
    pub important: bool,
}

#[derive(Template)]
#[template(path = "console/protocols_preview.html")]
struct PreviewPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    id: String,
    version: String,
    clinic_tz: &'static str,
    performed_at: String,
    booking_at: String,
    areas: Vec<Choice>,
    depth: String,
    devices: Vec<Choice>,
    prp: bool,
    langs: Vec<Choice>,
    session_number: String,
    planned_sessions: String,
    /// The language the plan's words are in.
    plan_lang: String,
    /// `None` until the form is sent.
    days: Option<Vec<Day>>,
    errors: FieldErrors,
    summary: Vec<SummaryLine>,
}

fn local_time(raw: &str, tz: &chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let n = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok()?;
    tz.from_local_datetime(&n)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The sample the form describes, or what is wrong with it.
fn sample(q: &Fields, tz: chrono_tz::Tz) -> Result<PreviewInput, Vec<FieldError>> {
    let t = texts();
    let mut bad = Vec::new();
    let performed_at = local_time(q.get("performed_at").unwrap_or_default(), &tz);
    if performed_at.is_none() {
        bad.push(FieldError::new("performed_at", t.date_time_needed));
    }
    let booking_at = match q.get("booking_at") {
        None => None,
        Some(raw) => {
            let at = local_time(raw, &tz);
            if at.is_none() {
                bad.push(FieldError::new("booking_at", t.date_time_needed));
            }
            at
        }
    };
    let areas: Vec<Area> = q
        .all("areas")
        .iter()
        .filter_map(|a| Area::parse(a))
        .collect();
    if areas.is_empty() {
        bad.push(FieldError::new("areas", t.field_one_area));
    }
    let depth = q
        .get("depth")
        .and_then(|d| d.replace(',', ".").parse::<f64>().ok())
        .ok_or_else(|| t.proto_err_number.to_owned())
        .and_then(NeedleDepth::parse);
    if let Err(e) = &depth {
        bad.push(FieldError::new("depth", e.clone()));
    }
    let number = |name: &str, bad: &mut Vec<FieldError>| match q
        .get(name)
        .and_then(|v| v.parse::<i32>().ok())
    {
        Some(n) if (1..=6).contains(&n) => n,
        _ => {
            bad.push(FieldError::new(name, t.field_planned_range));
            1
        }
    };
    let session_number = number("session_number", &mut bad);
    let planned_sessions = number("planned_sessions", &mut bad);
    match (performed_at, depth) {
        (Some(performed_at), Ok(depth)) if bad.is_empty() => Ok(PreviewInput {
            performed_at,
            areas,
            depth,
            device: q
                .get("device")
                .and_then(Device::parse)
                .unwrap_or(Device::Pen),
            combined_with: if q.has("prp") {
                vec![CombinedWith::Prp]
            } else {
                vec![]
            },
            tz,
            locale: q.get("lang").and_then(Locale::parse).unwrap_or(Locale::En),
            session_number,
            planned_sessions: planned_sessions.max(session_number),
            interval_weeks: 4,
            booking_at,
        }),
        _ => Err(bad),
    }
}

fn label(t: &Strings, field: &str) -> Option<String> {
    Some(
        match field {
            "performed_at" => t.performed_at,
            "booking_at" => t.proto_booking_at,
            "areas" => t.areas,
            "depth" => t.needle_depth,
            "session_number" => t.session_number,
            "planned_sessions" => t.planned_sessions,
            _ => return None,
        }
        .to_owned(),
    )
}

/// `GET /console/protocols/{id}/preview[?performed_at=…&areas=…]`.
pub async fn preview(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let t = texts();
    let id = ProtocolId::from(id.into_inner());
    let v = load(&state, &user, &id).await?;
    let q = Fields::parse(req.query_string().as_bytes());
    let tz = user.clinic_tz.0;
    let sent = q.has("performed_at");
    let default_at = Utc::now()
        .with_timezone(&tz)
        .format("%Y-%m-%dT10:00")
        .to_string();
    let text = |name: &str, default: &str| {
        if sent {
            q.raw(name).trim().to_owned()
        } else {
            default.to_owned()
        }
    };
    let picked_areas = if sent {
        q.all("areas")
    } else {
        vec!["face".to_owned()]
    };
    let device = text("device", "pen");
    let lang = text("lang", t.lang.tag());
    let (mut days, mut found) = (None, Vec::new());
    if sent {
        match sample(&q, tz) {
            Err(bad) => found = bad,
            Ok(input) => {
                match care::protocols::preview(
                    &state.db,
                    &state.protocols,
                    &user.actor(),
                    &id,
                    input,
                )
                .await
                {
                    Ok(plan) => days = Some(group(t, plan)),
                    Err(Error::Validation(bad)) => found = bad,
                    Err(e) => return Err(ConsoleError(e)),
                }
            }
        }
    }
    let (errors, summary) = split(found, "", |f| label(t, f));
    let page = PreviewPage {
        t,
        nav: Nav::of(&user),
        title: t.proto_preview_title.to_owned(),
        id: id.to_string(),
        version: version_name(t, v.summary.version),
        clinic_tz: user.clinic_tz.name(),
        performed_at: text("performed_at", &default_at),
        booking_at: text("booking_at", ""),
        areas: Area::ALL
            .iter()
            .map(|a| Choice {
                code: a.as_str().into(),
                label: labels::area(t, *a).into(),
                picked: picked_areas.iter().any(|p| p == a.as_str()),
            })
            .collect(),
        depth: text("depth", "1.0"),
        devices: Device::ALL
            .iter()
            .map(|d| Choice {
                code: d.as_str().into(),
                label: labels::device(t, *d).into(),
                picked: device == d.as_str(),
            })
            .collect(),
        prp: q.has("prp"),
        langs: Locale::ALL
            .iter()
            .map(|l| Choice {
                code: l.as_str().into(),
                label: labels::language(t, *l).into(),
                picked: lang == l.as_str(),
            })
            .collect(),
        session_number: text("session_number", "1"),
        planned_sessions: text("planned_sessions", "3"),
        plan_lang: Locale::parse(&lang)
            .unwrap_or(Locale::En)
            .as_str()
            .to_owned(),
        days,
        summary,
        errors: errors.clone(),
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page::html(status, &page)
}

/// The plan by local day, in delivery order.
fn group(t: &Strings, mut plan: Vec<shared::domain::PlannedPrompt>) -> Vec<Day> {
    plan.sort_by_key(|p| p.due_at);
    let mut days: Vec<(chrono::NaiveDate, Day)> = Vec::new();
    for p in plan {
        let line = Line {
            time: p.local_time.format("%H:%M").to_string(),
            title: p.title,
            body: p.body,
            kind: labels::prompt_kind(t, p.kind),
            important: p.important,
        };
        match days.last_mut() {
            Some((date, day)) if *date == p.local_date => day.prompts.push(line),
            _ => days.push((
                p.local_date,
                Day {
                    heading: t.fmt(
                        "proto_preview_day",
                        &[
                            ("date", p.local_date.format("%Y-%m-%d").to_string().into()),
                            ("day", p.day.into()),
                        ],
                    ),
                    prompts: vec![line],
                },
            )),
        }
    }
    days.into_iter().map(|(_, d)| d).collect()
}
