//! The check-in: how the skin is (the contract's fields: redness, swelling and pain from 0 to 10
//! with words at both ends, peeling, warning signs in plain language), then what to do next.
//! The fields are checked by the API's own parser (`views::check_in::CreateCheckIn`) and the
//! check-in is recorded and triaged by `shared::care::check_ins::record`, as
//! `POST /v1/me/check-ins` does; an urgent result tells the patient their clinic has been told
//! and puts the clinic's phone one tap away.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::Value;
use shared::Error;
use shared::care::check_ins;
use shared::delivery::Reason;
use shared::domain::{Severity, Symptom};
use shared::time::now;

use super::page::{self, AppError, Nav};
use super::session::{Fields, Patient, SessionForm};
use super::strings::Texts;
use crate::state::AppState;
use crate::views::check_in::CreateCheckIn;

/// One 0–10 question: its field name and label, and the answer given (when the form comes
/// back).
pub struct Scale {
    pub name: &'static str,
    pub label: String,
    pub value: Option<i64>,
}

/// One warning sign: its code, its plain words, whether it is ticked.
pub struct SymptomBox {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "app/check_in.html")]
struct CheckInPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    scales: Vec<Scale>,
    peeling: Option<bool>,
    symptoms: Vec<SymptomBox>,
    message: Option<String>,
}

impl CheckInPage {
    fn points(&self) -> std::ops::RangeInclusive<i64> {
        0..=10
    }
}

#[derive(Template)]
#[template(path = "app/check_in_result.html")]
struct ResultPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    urgent: bool,
    told: String,
    guidance: Vec<String>,
}

fn symptom_words(t: &Texts, s: Symptom) -> String {
    match s {
        Symptom::Pus => &t.symptom_pus,
        Symptom::Fever => &t.symptom_fever,
        Symptom::SpreadingRedness => &t.symptom_spreading_redness,
        Symptom::Blisters => &t.symptom_blisters,
        Symptom::ColdSore => &t.symptom_cold_sore,
        Symptom::SeverePain => &t.symptom_severe_pain,
    }
    .clone()
}

fn render(
    patient: &Patient,
    status: StatusCode,
    form: &Fields,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let scale = |name: &'static str, label: &String| Scale {
        name,
        label: label.clone(),
        value: form.get(name).and_then(|v| v.parse().ok()),
    };
    let ticked = form.all("symptoms");
    page::html(
        status,
        &CheckInPage {
            t,
            nav: patient.nav("check-in"),
            title: t.check_in_title.clone(),
            scales: vec![
                scale("redness", &t.redness),
                scale("swelling", &t.swelling),
                scale("pain", &t.pain),
            ],
            peeling: form.get("peeling").map(|v| v == "yes"),
            symptoms: Symptom::ALL
                .iter()
                .map(|s| SymptomBox {
                    code: s.as_str(),
                    label: symptom_words(t, *s),
                    checked: ticked.iter().any(|v| v == s.as_str()),
                })
                .collect(),
            message,
        },
    )
}

/// `GET /app/check-in`
pub async fn form(patient: Patient) -> Result<HttpResponse, AppError> {
    render(&patient, StatusCode::OK, &Fields::default(), None)
}

/// The form's answers as the API's body: a score that is not a number stays text, so the
/// parser refuses it as it refuses it from the API.
fn as_body(form: &Fields) -> CreateCheckIn {
    let score = |name: &str| {
        form.get(name).map(|v| {
            v.parse::<i64>()
                .map_or_else(|_| Value::String(v.to_owned()), Value::from)
        })
    };
    CreateCheckIn {
        redness: score("redness"),
        swelling: score("swelling"),
        pain: score("pain"),
        peeling: form.get("peeling").map(|v| match v {
            "yes" => Value::Bool(true),
            "no" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        }),
        symptoms: Some(Value::Array(
            form.all("symptoms")
                .into_iter()
                .map(Value::String)
                .collect(),
        )),
    }
}

/// `POST /app/check-in`: records and triages the check-in, then shows what to do next. A
/// missing answer is 422 with the form again; no treatment recorded yet is 409 with a plain
/// explanation.
pub async fn submit(
    state: web::Data<AppState>,
    patient: Patient,
    SessionForm(fields): SessionForm,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let parsed = match as_body(&fields).parse() {
        Ok(p) => p,
        Err(Error::Validation(_)) => {
            let missing = Some(t.check_in_missing.clone());
            return render(&patient, StatusCode::UNPROCESSABLE_ENTITY, &fields, missing);
        }
        Err(e) => return Err(e.into()),
    };
    let recorded =
        match check_ins::record(&state.db, &state.protocols, &patient.id, parsed, now()).await {
            Ok(r) => r,
            Err(Error::Conflict(_)) => {
                let none = Some(t.check_in_no_treatment.clone());
                return render(&patient, StatusCode::CONFLICT, &fields, none);
            }
            Err(e) => return Err(e.into()),
        };
    if recorded.triage.severity == Severity::Urgent {
        if let Some(wakes) = &state.worker_wakes {
            // The clinic's alert and the "your clinic has been told" prompt are due now.
            wakes.clinic_alerts.ring(Reason::Notify);
            wakes.dispatch.ring(Reason::Notify);
        }
    }
    // Post/redirect/get: reloading the answer must not record (and escalate) the check-in again.
    Ok(page::see_other(ANSWER))
}

/// Where the answer to the latest check-in is shown.
pub const ANSWER: &str = "/app/check-in/answer";

/// `GET /app/check-in/answer`: the answer to the patient's latest check-in (its guidance as the
/// protocol gives it now, in the patient's language; urgent: "your clinic has been told" and the
/// clinic's phone). No check-in yet: 303 to the form.
pub async fn answer(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let clinic_id = patient.me.clinic.id.clone();
    let latest = check_ins::history(
        &state.db,
        &state.protocols,
        &clinic_id,
        &patient.id,
        None,
        1,
    )
    .await?
    .into_iter()
    .next();
    let Some(latest) = latest else {
        return Ok(page::see_other("/app/check-in"));
    };
    let severity = latest.check_in.severity;
    let told = match severity {
        Severity::Urgent => &t.result_urgent,
        Severity::Routine => &t.result_routine,
        Severity::None => &t.result_none,
    };
    page::ok(&ResultPage {
        t,
        nav: patient.nav("check-in"),
        title: t.result_title.clone(),
        urgent: severity == Severity::Urgent,
        told: told.clone(),
        guidance: latest.guidance,
    })
}
