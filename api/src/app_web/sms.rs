//! Text messages: the mobile number the clinic holds, the consent wording (version
//! `CONSENT_TEXT_VERSION`) and one tap to turn texts on (a consent recorded by the patient in the
//! app) or off (withdrawn), through `shared::care::sms::{consent, record_consent}` — the same use
//! case as `PATCH /v1/me {sms_consent}`. The number itself is the clinic's to correct: a patient
//! without one is asked to give it to the clinic.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care::sms::{self, ConsentChange, SmsConsent};
use shared::domain::{CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource};
use shared::time::now;

use super::page::{self, AppError, Nav, see_other};
use super::session::{Patient, SessionForm};
use super::strings::Texts;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "app/texts.html")]
struct TextsPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    /// The mobile number on file, when there is one.
    phone: Option<String>,
    /// Consent in force: the button turns texts off; else it turns them on.
    granted: bool,
    /// Withdrawn by a STOP text: the carrier blocks texts too until START.
    stopped: bool,
    /// Where texts stand, in a sentence ("Texts are on. You agreed on …").
    state: String,
    wording: String,
    version: String,
    /// The confirmation after a change, or why it was refused.
    notice: Option<String>,
    refused: Option<String>,
}

/// Where consent stands, as the page says it.
fn state_line(t: &Texts, patient: &Patient, consent: Option<&SmsConsent>) -> String {
    let tz = &patient.me.profile.timezone;
    let when = |at| page::when(at, tz, t.lang);
    match consent {
        Some(c) if c.granted => {
            let at = c.granted_at.unwrap_or(c.at);
            t.fmt("texts_on", &[("when", when(at).into())])
        }
        Some(c) if c.method == ConsentMethod::Keyword => {
            t.fmt("texts_stopped", &[("when", when(c.at).into())])
        }
        Some(c) => t.fmt("texts_off_since", &[("when", when(c.at).into())]),
        None => t.texts_off.clone(),
    }
}

/// The consent wording with the clinic's name, in the app's language `t` (also read out by the
/// console at the desk, in the patient's language).
pub fn wording(t: &Texts, clinic_name: &str) -> String {
    t.fmt(
        "texts_wording",
        &[("clinic", clinic_name.to_owned().into())],
    )
}

async fn render(
    state: &AppState,
    patient: &Patient,
    status: StatusCode,
    notice: Option<String>,
    refused: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let consent = sms::consent(&state.db, &patient.id).await?;
    let phone = patient
        .me
        .profile
        .phone
        .clone()
        .filter(|p| !p.trim().is_empty());
    page::html(
        status,
        &TextsPage {
            t,
            nav: patient.nav("settings"),
            title: t.texts_title.clone(),
            phone,
            granted: consent.as_ref().is_some_and(|c| c.granted),
            stopped: consent
                .as_ref()
                .is_some_and(|c| !c.granted && c.method == ConsentMethod::Keyword),
            state: state_line(t, patient, consent.as_ref()),
            wording: wording(t, &patient.me.clinic.name),
            version: t.fmt("texts_version", &[("version", CONSENT_TEXT_VERSION.into())]),
            notice,
            refused,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /app/texts` (`?done=on|off` after a change confirms it).
pub async fn show(
    state: web::Data<AppState>,
    patient: Patient,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    let notice = match query.done.as_deref() {
        Some("on") => Some(t.texts_turned_on.clone()),
        Some("off") => Some(t.texts_turned_off.clone()),
        _ => None,
    };
    render(&state, &patient, StatusCode::OK, notice, None).await
}

/// `POST /app/texts` with `consent=on` (records the patient's consent to the current wording,
/// `CONSENT_TEXT_VERSION`, source `patient`, method `app`) or `consent=off` (withdraws it), then
/// 303 back to the page confirming it. Turning texts on without a mobile number on file is 409
/// with the page saying the clinic needs it; any other value is the 400 page.
pub async fn change(
    state: web::Data<AppState>,
    patient: Patient,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, AppError> {
    let granted = match form.get("consent") {
        Some("on") => true,
        Some("off") => false,
        _ => return Err(AppError::bad_request()),
    };
    let has_phone = patient
        .me
        .profile
        .phone
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty());
    if granted && !has_phone {
        let why = page::texts().texts_need_phone.clone();
        return render(&state, &patient, StatusCode::CONFLICT, None, Some(why)).await;
    }
    let change = ConsentChange {
        clinic_id: patient.me.profile.clinic_id.clone(),
        patient_id: patient.id.clone(),
        granted,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        source: ConsentSource::Patient,
        method: ConsentMethod::App,
        recorded_by: Some(patient.id.as_user()),
    };
    sms::record_consent(&state.db, change, now()).await?;
    tracing::info!(patient_id = %patient.id, granted, "text message consent changed in the app");
    Ok(see_other(if granted {
        "/app/texts?done=on"
    } else {
        "/app/texts?done=off"
    }))
}
