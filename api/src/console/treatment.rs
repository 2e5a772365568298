//! Recording a treatment. The form parses with the API's own parser
//! (`views::treatment::RecordTreatment`), so the console accepts exactly what the API accepts,
//! and calls the same use case. Errors are shown next to their fields; the contraindication
//! screen needs an override reason when anything is ticked.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use shared::care;
use shared::domain::{Area, Contraindication, Device, PatientId};
use shared::time::now;

use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, see_other};
use super::patient::local_input_to_rfc3339;
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
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

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, picked: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            Choice {
                code: c,
                label: c.replace('_', " "),
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

fn treatment_page(user: &ConsoleUser, id: &str, f: &Fields, errors: FieldErrors) -> TreatmentPage {
    let t = page::texts();
    let tz = &user.clinic_tz;
    let default_time = Utc::now()
        .with_timezone(&tz.0)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let value = |name: &str, default: &str| f.get(name).unwrap_or(default).to_owned();
    TreatmentPage {
        t,
        nav: Nav::of(user),
        title: t.treatment_title.to_owned(),
        csrf: user.csrf.clone(),
        id: id.to_owned(),
        clinic_tz: tz.name(),
        performed_at: value("performed_at", &default_time),
        areas: choices(Area::ALL, Area::as_str, &f.all("areas")),
        depth: value("needle_depth_mm", "1.0"),
        devices: choices(Device::ALL, Device::as_str, &[value("device", "pen")]),
        prp: f.all("combined_with").iter().any(|c| c == "prp"),
        session_number: value("session_number", "1"),
        planned_sessions: value("planned_sessions", "3"),
        interval_weeks: value("interval_weeks", "4"),
        contraindications: choices(
            Contraindication::ALL,
            Contraindication::as_str,
            &f.all("contraindications"),
        ),
        override_reason: value("override_reason", ""),
        notes: value("notes", ""),
        other_errors: errors.others(SHOWN),
        errors,
    }
}

/// `GET /console/patients/{id}/treatments/new` (the patient must be the clinic's: 404 else).
pub async fn treatment_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    care::roster::check_patient(&state.db, &user.actor(), &id).await?;
    page::ok(&treatment_page(
        &user,
        id.as_str(),
        &Fields::default(),
        FieldErrors::default(),
    ))
}

/// A number field: unreadable text becomes a value the shared parser rejects with its own
/// message for that field.
fn number<T: std::str::FromStr>(f: &Fields, name: &str, invalid: T) -> T {
    f.get(name).and_then(|v| v.parse().ok()).unwrap_or(invalid)
}

/// `POST /console/patients/{id}/treatments/new`: records the treatment, then shows its plan.
pub async fn record_treatment(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
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
    };
    let at = now();
    let parsed = match body.parse(at) {
        Ok(p) => p,
        Err(e) => {
            let page = treatment_page(&user, id.as_str(), &form, field_errors(e)?);
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let recorded =
        care::treatments::record(&state.db, &state.protocol, &user.actor(), &id, parsed, at)
            .await?;
    Ok(see_other(&format!(
        "/console/patients/{id}/treatments/{}",
        recorded.treatment.id
    )))
}
