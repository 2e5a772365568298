//! Recording a treatment. The form names the patient and starts from the course so far
//! (`care::treatments::course`: the next session, planned count, interval, depth, areas and
//! device of the last treatment). It parses with the API's own parser
//! (`views::treatment::RecordTreatment`), so the console accepts exactly what the API accepts,
//! and calls the same use case. Errors are shown next to their fields with what was typed
//! kept; the contraindication screen needs an override reason when anything is ticked.
//!
//! The course check (`care::treatments::record_checked`) warns rather than refuses: a
//! submission it warns about records nothing and comes back with the warnings and a "Record
//! anyway" button, which resubmits the same values with the codes of the warnings shown. A
//! warning that was not shown (the values were changed) asks again. Success redirects to the
//! generated plan (post/redirect/get).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use shared::care;
use shared::care::treatments::{Checked, Confirmation, Course, CourseWarning};
use shared::domain::{Area, Contraindication, Device, PatientId, TimeZone};
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, local, see_other};
use super::patient::local_input_to_rfc3339;
use super::roster::display_name;
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::treatment::RecordTreatment;

/// A code checkbox on the treatment form.
pub struct Choice {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console/treatment.html")]
struct TreatmentPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    clinic_tz: &'static str,
    /// Whose treatment this is.
    name: String,
    /// The last treatment in a sentence, or that this is the first.
    course: String,
    /// The course check's warnings, in words; a "Record anyway" button when any.
    warnings: Vec<String>,
    /// The warnings' codes, sent back by "Record anyway".
    warned: String,
    performed_at: String,
    areas: Vec<Choice>,
    depth: String,
    devices: Vec<Choice>,
    prp: bool,
    session_number: String,
    planned_sessions: String,
    interval_weeks: String,
    contraindications: Vec<Choice>,
    override_reason: String,
    notes: String,
    errors: FieldErrors,
    other_errors: Vec<String>,
}

fn choices<T: Copy>(
    t: &Strings,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(&Strings, T) -> &'static str,
    picked: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            Choice {
                code: c,
                label: label(t, *v).to_owned(),
                checked: picked.iter().any(|p| p == c),
            }
        })
        .collect()
}

/// The fields the form shows next to their inputs.
const SHOWN: &[&str] = &[
    "performed_at",
    "areas",
    "needle_depth_mm",
    "device",
    "combined_with",
    "session_number",
    "planned_sessions",
    "interval_weeks",
    "contraindications",
    "override_reason",
    "notes",
];

/// The course check's warning in the staff member's words.
fn warning_text(w: &CourseWarning, tz: &TimeZone) -> String {
    let t = page::texts();
    match w {
        CourseWarning::SessionRepeated { session, last_at } => t.fmt(
            "warn_session_repeated",
            &[
                ("session", (*session).into()),
                ("date", local(*last_at, tz).into()),
            ],
        ),
        CourseWarning::SessionBackwards {
            session,
            last_session,
        } => t.fmt(
            "warn_session_backwards",
            &[
                ("session", (*session).into()),
                ("last", (*last_session).into()),
            ],
        ),
        CourseWarning::BeyondPlanned { session, planned } => t.fmt(
            "warn_beyond_planned",
            &[
                ("session", (*session).into()),
                ("planned", (*planned).into()),
            ],
        ),
        CourseWarning::TooSoon { days, last_at } => t.fmt(
            "warn_too_soon",
            &[
                ("days", (*days).into()),
                ("date", local(*last_at, tz).into()),
            ],
        ),
        CourseWarning::BeforeLast { last_at } => {
            t.fmt("warn_before_last", &[("date", local(*last_at, tz).into())])
        }
    }
}

/// The form for `course`: the values typed in `f` where there are any, else the course's
/// suggestion (a first visit, `f` empty).
fn treatment_page(
    user: &ConsoleUser,
    id: &str,
    course: &Course,
    f: &Fields,
    errors: FieldErrors,
    warnings: &[CourseWarning],
) -> TreatmentPage {
    let t = page::texts();
    let tz = &user.clinic_tz;
    let default_time = Utc::now()
        .with_timezone(&tz.0)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    // A submitted form (a POST carries its form token) keeps exactly what was typed, even an
    // empty field or no area ticked.
    let submitted = f.has("csrf");
    let value = |name: &str, default: String| {
        if submitted {
            f.raw(name).trim().to_owned()
        } else {
            default
        }
    };
    let d = &course.draft;
    let picked = |name: &str, suggested: Vec<String>| {
        if submitted { f.all(name) } else { suggested }
    };
    let areas = picked(
        "areas",
        d.areas.iter().map(|a| a.as_str().to_owned()).collect(),
    );
    let combined = picked(
        "combined_with",
        d.combined_with
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
    );
    let device = value("device", d.device.as_str().to_owned());
    let name = display_name(
        t,
        "active",
        &course.given_name,
        course.family_name.as_deref(),
    );
    let course_text = match &course.last {
        Some(l) => t.fmt(
            "course_last",
            &[
                ("date", local(l.performed_at, tz).into()),
                ("session", l.session_number.into()),
                ("planned", l.planned_sessions.into()),
                ("weeks", l.interval_weeks.into()),
            ],
        ),
        None => t.course_first.to_owned(),
    };
    TreatmentPage {
        t,
        nav: Nav::of(user),
        title: t.fmt("treatment_for", &[("name", name.clone().into())]),
        csrf: user.csrf.clone(),
        id: id.to_owned(),
        clinic_tz: tz.name(),
        name,
        course: course_text,
        warnings: warnings.iter().map(|w| warning_text(w, tz)).collect(),
        warned: warnings
            .iter()
            .map(CourseWarning::code)
            .collect::<Vec<_>>()
            .join(" "),
        performed_at: value("performed_at", default_time),
        areas: choices(t, Area::ALL, Area::as_str, labels::area, &areas),
        depth: value("needle_depth_mm", format!("{:.1}", d.needle_depth_mm)),
        devices: choices(t, Device::ALL, Device::as_str, labels::device, &[device]),
        prp: combined.iter().any(|c| c == "prp"),
        session_number: value("session_number", d.session_number.to_string()),
        planned_sessions: value("planned_sessions", d.planned_sessions.to_string()),
        interval_weeks: value("interval_weeks", d.interval_weeks.to_string()),
        contraindications: choices(
            t,
            Contraindication::ALL,
            Contraindication::as_str,
            labels::contraindication,
            &f.all("contraindications"),
        ),
        override_reason: value("override_reason", String::new()),
        notes: value("notes", String::new()),
        other_errors: errors.others(SHOWN),
        errors,
    }
}

/// The patient's course for the form; an erased patient has none to continue (404).
async fn course_of(
    state: &AppState,
    user: &ConsoleUser,
    id: &PatientId,
) -> Result<Course, ConsoleError> {
    let course = care::treatments::course(&state.db, &user.actor(), id, now()).await?;
    if course.erased {
        return Err(ConsoleError::not_found());
    }
    Ok(course)
}

/// `GET /console/patients/{id}/treatments/new` (the patient must be the clinic's: 404 else).
pub async fn treatment_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    let course = course_of(&state, &user, &id).await?;
    page::ok(&treatment_page(
        &user,
        id.as_str(),
        &course,
        &Fields::default(),
        FieldErrors::default(),
        &[],
    ))
}

/// A number field: unreadable text becomes a value the shared parser rejects with its own
/// message for that field.
/// A decimal comma ("1,5", as typed in Spanish) reads as a point.
fn number<T: std::str::FromStr>(f: &Fields, name: &str, invalid: T) -> T {
    f.get(name)
        .and_then(|v| v.replace(',', ".").parse().ok())
        .unwrap_or(invalid)
}

/// `POST /console/patients/{id}/treatments/new`: records the treatment, then shows its plan; or
/// the form again, as typed, with its errors or the course check's warnings.
pub async fn record_treatment(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    let body = RecordTreatment {
        performed_at: local_input_to_rfc3339(
            form.get("performed_at").unwrap_or_default(),
            &user.clinic_tz,
        ),
        areas: form.all("areas"),
        needle_depth_mm: number(&form, "needle_depth_mm", f64::NAN),
        device: form.get("device").unwrap_or_default().to_owned(),
        combined_with: form.all("combined_with"),
        session_number: number(&form, "session_number", 0),
        planned_sessions: number(&form, "planned_sessions", 0),
        interval_weeks: number(&form, "interval_weeks", 0),
        contraindications: form.all("contraindications"),
        override_reason: form.get("override_reason").map(str::to_owned),
        notes: form.get("notes").map(str::to_owned),
        confirm_warnings: None,
    };
    let at = now();
    let parsed = match body.parse(at) {
        Ok(p) => p,
        Err(e) => {
            let errors = field_errors(e)?;
            let course = course_of(&state, &user, &id).await?;
            let page = treatment_page(&user, id.as_str(), &course, &form, errors, &[]);
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    // "Record anyway" sends the codes of the warnings it was shown.
    let confirmed = match form.get("confirm_warnings") {
        Some(codes) => Confirmation::Shown(codes.split_whitespace().map(str::to_owned).collect()),
        None => Confirmation::Nothing,
    };
    let actor = user.actor();
    match care::treatments::record_checked(
        &state.db,
        &state.protocols,
        &actor,
        &id,
        parsed,
        confirmed,
        at,
    )
    .await?
    {
        Checked::Recorded(r) => Ok(see_other(&format!(
            "/console/patients/{id}/treatments/{}",
            r.treatment.id
        ))),
        Checked::Unconfirmed(warnings) => {
            let course = course_of(&state, &user, &id).await?;
            let page = treatment_page(
                &user,
                id.as_str(),
                &course,
                &form,
                FieldErrors::default(),
                &warnings,
            );
            page::html(StatusCode::CONFLICT, &page)
        }
    }
}
