//! Text messages on the patient record: the consent in force (granted when, by whom, which
//! wording version; or withdrawn, by a STOP text or in the app), the form that records or
//! withdraws consent with the patient present (`shared::care::sms::record_consent`, source
//! `clinic`, method `console`), and the texts the patient sent (`texts_for_patient`, newest
//! first, keywords named).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use shared::care::delivery_log::{DeliveryStep, DeliveryStepStatus};
use shared::care::sms::{self, ConsentChange, SmsConsent};
use shared::care::staff::User;
use shared::care::{self as care, StaffActor};
use shared::domain::{
    CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource, PatientId, SmsKeyword, TimeZone,
};
use shared::time::now;

use super::render;
use crate::app_web;
use crate::console::labels;
use crate::console::page::{self, ConsoleError, local, see_other};
use crate::console::session::{ConsoleUser, SessionForm};
use crate::console::strings::{Lang, Strings};
use crate::path_id::PathId;
use crate::state::AppState;

/// The most inbound texts the record lists.
const TEXTS_SHOWN: i64 = 50;

pub const DONE_GRANTED: &str = "sms-consent";
pub const DONE_WITHDRAWN: &str = "sms-withdrawn";

/// One text the patient sent.
pub struct TextRow {
    pub when: String,
    pub body: String,
    /// What the text did (a keyword, or a message answered with the clinic's phone).
    pub note: &'static str,
    pub keyword: bool,
}

/// The record's "Text messages" card.
pub struct SmsPanel {
    /// Consent in force: the form offers to withdraw it; else to record it.
    pub granted: bool,
    /// Where consent stands, in a sentence.
    pub consent: String,
    /// The wording version of the consent on record, when there is one.
    pub version: Option<String>,
    /// The wording to read to the patient, in the patient's language.
    pub wording: String,
    /// The wording's language tag (the page marks it, for screen readers).
    pub wording_lang: &'static str,
    /// A mobile number is on file (consent can only be recorded then).
    pub has_phone: bool,
    pub texts: Vec<TextRow>,
    /// Why the last change was refused, shown next to the form.
    pub error: Option<String>,
}

/// Who recorded a consent change, in the clinic's words: the staff member's name, or the
/// patient and how.
fn recorded_by(t: &Strings, c: &SmsConsent, staff: &[User]) -> String {
    match (c.source, c.method) {
        (ConsentSource::Patient, ConsentMethod::App) => t.sms_by_patient_app.to_owned(),
        (ConsentSource::Patient, _) => t.sms_by_patient.to_owned(),
        (ConsentSource::Clinic, _) => c
            .recorded_by
            .as_ref()
            .and_then(|id| staff.iter().find(|u| &u.id == id))
            .map_or_else(|| t.sms_by_clinic.to_owned(), |u| u.name.clone()),
    }
}

fn consent_line(t: &Strings, c: Option<&SmsConsent>, staff: &[User], tz: &TimeZone) -> String {
    let Some(c) = c else {
        return t.sms_never.to_owned();
    };
    let by = recorded_by(t, c, staff);
    if c.granted {
        let when = local(c.granted_at.unwrap_or(c.at), tz);
        t.fmt("sms_granted", &[("when", when.into()), ("by", by.into())])
    } else if c.method == ConsentMethod::Keyword {
        t.fmt("sms_withdrawn_stop", &[("when", local(c.at, tz).into())])
    } else {
        let when = local(c.at, tz);
        t.fmt("sms_withdrawn", &[("when", when.into()), ("by", by.into())])
    }
}

fn keyword_note(t: &Strings, k: Option<SmsKeyword>) -> &'static str {
    match k {
        Some(SmsKeyword::Stop) => t.sms_keyword_stop,
        Some(SmsKeyword::Start) => t.sms_keyword_start,
        Some(SmsKeyword::Help) => t.sms_keyword_help,
        None => t.sms_keyword_none,
    }
}

/// The card for `patient` (already read as the actor's clinic's patient by the record): consent,
/// the wording with `clinic`'s name in the patient's language `locale`, and their texts.
pub async fn panel(
    state: &AppState,
    actor: &StaffActor,
    clinic: &str,
    patient: &PatientId,
    locale: &str,
    has_phone: bool,
    tz: &TimeZone,
) -> Result<SmsPanel, ConsoleError> {
    let t = page::texts();
    let consent = sms::consent(&state.db, patient).await?;
    let texts = sms::texts_for_patient(&state.db, &actor.clinic_id, patient, TEXTS_SHOWN).await?;
    let staff = match consent.as_ref() {
        Some(c) if c.source == ConsentSource::Clinic => care::staff::list(&state.db, actor).await?,
        _ => Vec::new(),
    };
    let lang = Lang::from_tag(locale).unwrap_or(t.lang);
    Ok(SmsPanel {
        granted: consent.as_ref().is_some_and(|c| c.granted),
        consent: consent_line(t, consent.as_ref(), &staff, tz),
        version: consent
            .as_ref()
            .map(|c| t.fmt("sms_version", &[("version", c.text_version.clone().into())])),
        wording: app_web::sms::wording(app_web::strings::texts_in(lang), clinic),
        wording_lang: lang.tag(),
        has_phone,
        texts: texts
            .into_iter()
            .map(|m| TextRow {
                when: local(m.at, tz),
                body: m.body,
                note: keyword_note(t, m.keyword),
                keyword: m.keyword.is_some(),
            })
            .collect(),
        error: None,
    })
}

/// `POST /console/patients/{id}/sms-consent` with `granted=yes` (the patient, present, agrees
/// to the wording read to them: recorded with `CONSENT_TEXT_VERSION`, source `clinic`, method
/// `console`, the staff member as recorder) or `granted=no` (withdrawn); then the record
/// confirms it. Granting without a mobile number on file is 409 with the record saying so; any
/// other value is the 400 page; another clinic's patient is the 404 page.
pub async fn change(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = PatientId::from(id.into_inner());
    let granted = match form.get("granted") {
        Some("yes") => true,
        Some("no") => false,
        _ => return Err(ConsoleError::bad_request()),
    };
    care::roster::check_patient(&state.db, &user.actor(), &id).await?;
    if granted {
        let record = render(&state, &user, &id).await?;
        if !record.sms.as_ref().is_some_and(|s| s.has_phone) {
            let mut record = record;
            if let Some(s) = record.sms.as_mut() {
                s.error = Some(page::texts().sms_no_phone.to_owned());
            }
            return page::html(StatusCode::CONFLICT, &record);
        }
    }
    let change = ConsentChange {
        clinic_id: user.clinic_id.clone(),
        patient_id: id.clone(),
        granted,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        source: ConsentSource::Clinic,
        method: ConsentMethod::Console,
        recorded_by: Some(user.user_id.clone()),
    };
    sms::record_consent(&state.db, change, now()).await?;
    let done = if granted {
        DONE_GRANTED
    } else {
        DONE_WITHDRAWN
    };
    Ok(see_other(&format!(
        "/console/patients/{id}?done={done}#sms-h"
    )))
}

/// A prompt's delivery steps in a line, oldest first: each channel tried and what was confirmed
/// ("Push notification (Android) · failed, Text message (SMS) · delivered"); the same channel
/// and result in a row (a push to two phones) is said once with a count. Empty without steps.
pub fn deliveries(t: &Strings, steps: &[DeliveryStep]) -> String {
    let mut said: Vec<(DeliveryStep, usize)> = Vec::new();
    for step in steps {
        match said.last_mut() {
            Some((last, n)) if last.channel == step.channel && last.status == step.status => {
                *n += 1;
            }
            _ => said.push((step.clone(), 1)),
        }
    }
    said.iter()
        .map(|(s, n)| {
            let status = match s.status {
                DeliveryStepStatus::Sent => t.delivery_sent,
                DeliveryStepStatus::Delivered => t.delivery_delivered,
                DeliveryStepStatus::Failed => t.delivery_failed,
            };
            let times = if *n > 1 {
                format!(" ×{n}")
            } else {
                String::new()
            };
            format!("{} · {status}{times}", labels::channel(t, s.channel))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
