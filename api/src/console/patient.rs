//! One patient's record (`shared::care::roster::record`, audited as `patient.read`), with the
//! recovery chart, and the course actions on it ([`actions`]): book, move or cancel the next
//! session, discharge after a confirmation step. Text messages ([`sms`]): consent recorded or
//! withdrawn with the patient present, the texts they sent, and per prompt the channels tried
//! and what was confirmed (the delivery log the record carries).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone as _, Utc};
use shared::care;
use shared::care::roster::PatientRecord;
use shared::domain::{PatientId, PromptStatus, TimeZone};
use shared::time::now;

mod actions;
pub mod screenings;
pub mod sms;

pub use actions::{DONE_RESOLVED, book, cancel_booking, confirm_discharge, discharge};

use super::chart;
use super::clinical;
use super::devices::{self, DeviceRow};
use super::escalations::{EscalationRow, escalation_row};
use super::labels;
use super::page::{self, ConsoleError, Nav, local};
use super::roster::{self, recovery_day};
use super::session::{ConsoleUser, Fields};
use super::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

pub struct TreatmentRow {
    pub performed: String,
    pub areas: String,
    pub depth: String,
    pub device: &'static str,
    pub session: String,
    pub contraindications: String,
    pub override_reason: String,
    pub notes: String,
}

pub struct PromptRow {
    pub when: String,
    pub kind: &'static str,
    pub title: String,
    pub status: &'static str,
    pub failed: bool,
    pub acknowledged: String,
    pub channel: String,
    pub failure: String,
}

pub struct CheckInRow {
    pub when: String,
    pub day: String,
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub expected: String,
    pub symptoms: String,
    /// The severity's label, and its code for the style.
    pub severity: &'static str,
    pub severity_class: &'static str,
}

#[derive(Template)]
#[template(path = "console/patient.html")]
pub struct RecordPage {
    pub t: &'static Strings,
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf: String,
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// The phone as a `tel:` link, when there is one.
    pub phone_href: Option<String>,
    pub status: &'static str,
    pub discharged: bool,
    /// Erased: nothing can be recorded for the patient any more.
    pub erased: bool,
    pub timezone: String,
    pub language: &'static str,
    pub recovery: String,
    pub clinic_tz: &'static str,
    pub notice: Option<String>,
    pub booking_error: Option<String>,
    pub next_session: Option<String>,
    pub booking_value: String,
    pub chart_svg: String,
    pub treatments: Vec<TreatmentRow>,
    pub timeline: Vec<PromptRow>,
    pub devices: Vec<DeviceRow>,
    pub check_ins: Vec<CheckInRow>,
    pub escalations: Vec<EscalationRow>,
    /// Consent to texts and the texts received (none for an erased patient).
    pub sms: Option<sms::SmsPanel>,
    /// The answers before a booked session.
    pub screening: screenings::ScreeningPanel,
}

fn or_none(t: &Strings, s: Option<String>) -> String {
    s.filter(|s| !s.is_empty())
        .unwrap_or_else(|| t.none.to_owned())
}

/// The record page's content for `record`, the clinic's zone `tz` and `protocol`.
#[allow(clippy::too_many_lines)]
pub fn view(
    t: &'static Strings,
    user: &ConsoleUser,
    record: PatientRecord,
    protocol: &shared::protocol::Protocol,
    at: NaiveDateTime,
) -> RecordPage {
    let tz: &TimeZone = &user.clinic_tz;
    let p = &record.profile;
    let name = roster::display_name(t, &record.status, &p.given_name, p.family_name.as_deref());
    let discharged = roster::out_of_care(&record.status);
    let last = record
        .treatments
        .first()
        .map(|tr| tr.performed_at.and_utc());
    let recovery = match recovery_day(last, at.and_utc(), tz) {
        Some(d) if !discharged => format!("{} {d}", t.day),
        _ => t.none.to_owned(),
    };
    // The chart follows the current treatment's check-ins (days count from it).
    let current = record.treatments.first().map(|tr| tr.id.clone());
    let charted: Vec<_> = record
        .check_ins
        .iter()
        .filter(|c| current.is_none() || c.treatment_id == current)
        .cloned()
        .collect();
    let points = chart::points(&charted);
    let band = chart::band(protocol, chart::last_day(&points));
    let desc = chart::describe(&points, &band, t);
    let chart_svg = chart::svg(&points, &band, t, &desc).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "recovery chart not drawn");
        String::new()
    });
    RecordPage {
        t,
        nav: Nav::of(user),
        title: name.clone(),
        csrf: user.csrf.clone(),
        id: p.user_id.to_string(),
        email: or_none(t, Some(record.email.clone()).filter(|e| !e.is_empty())),
        phone: or_none(t, p.phone.clone()),
        phone_href: p
            .phone
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(super::escalations::tel_href),
        status: roster::status_label(t, &record.status),
        discharged,
        erased: record.status == "erased",
        timezone: p.timezone.name().to_owned(),
        language: labels::language(t, p.locale),
        recovery,
        clinic_tz: tz.name(),
        notice: None,
        booking_error: None,
        next_session: record.next_session.as_ref().map(|b| local(b.starts_at, tz)),
        booking_value: record
            .next_session
            .as_ref()
            .map(|b| {
                b.starts_at
                    .and_utc()
                    .with_timezone(&tz.0)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        chart_svg,
        treatments: record
            .treatments
            .iter()
            .map(|tr| TreatmentRow {
                performed: local(tr.performed_at, tz),
                areas: labels::treated_areas(t, &tr.areas.0, &tr.combined_with.0),
                depth: format!("{:.1} mm", tr.needle_depth_mm),
                device: labels::device(t, tr.device),
                session: format!("{} / {}", tr.session_number, tr.planned_sessions),
                contraindications: or_none(
                    t,
                    Some(labels::list(
                        t,
                        &tr.contraindications.0,
                        labels::contraindication,
                    )),
                ),
                override_reason: or_none(t, tr.override_reason.clone()),
                notes: or_none(t, tr.notes.clone()),
            })
            .collect(),
        timeline: record
            .prompts
            .iter()
            .map(|pr| PromptRow {
                when: format!("{} {}", pr.local_date, pr.local_time),
                kind: labels::prompt_kind(t, pr.kind),
                title: pr.title.clone(),
                status: labels::prompt_status(t, pr.status.shown(pr.acknowledged_at.is_some())),
                failed: pr.status == PromptStatus::Failed,
                acknowledged: or_none(t, pr.acknowledged_at.map(|a| local(a, tz))),
                // The channels tried and what was confirmed; before any attempt was recorded,
                // the channel the prompt went by (or none).
                channel: record
                    .deliveries
                    .get(&pr.id)
                    .map(|steps| sms::deliveries(t, steps))
                    .filter(|line| !line.is_empty())
                    .unwrap_or_else(|| {
                        pr.channel
                            .map_or(t.none, |c| labels::channel(t, c))
                            .to_owned()
                    }),
                failure: pr
                    .last_error
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .map_or(t.none, |e| labels::failure(t, e))
                    .to_owned(),
            })
            .collect(),
        devices: devices::rows(t, &record.devices, tz),
        check_ins: record
            .check_ins
            .iter()
            .map(|c| CheckInRow {
                when: local(c.created_at, tz),
                day: or_none(t, c.day.map(|d| d.to_string())),
                redness: c.redness,
                swelling: c.swelling,
                pain: c.pain,
                expected: c
                    .day
                    .map(|d| protocol.expected_ceiling(d).redness.to_string())
                    .unwrap_or_else(|| t.none.to_owned()),
                symptoms: clinical::symptoms(t, &c.symptoms.0),
                severity: clinical::severity(t, c.severity),
                severity_class: c.severity.as_str(),
            })
            .collect(),
        escalations: record
            .escalations
            .iter()
            .map(|e| {
                let check_in = e
                    .check_in_id
                    .as_ref()
                    .and_then(|id| record.check_ins.iter().find(|c| &c.id == id));
                escalation_row(t, e, check_in, None, tz, at)
            })
            .collect(),
        screening: screenings::panel(t, &record, tz),
        name,
        sms: None,
    }
}

/// Renders the record page for `id` (shared by the handler and the benchmark).
pub async fn render(
    state: &AppState,
    user: &ConsoleUser,
    id: &PatientId,
) -> Result<RecordPage, ConsoleError> {
    let at = now();
    let record = care::roster::record(&state.db, &user.actor(), id, at).await?;
    let (locale, erased) = (record.profile.locale, record.status == "erased");
    let has_phone = record
        .profile
        .phone
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty());
    let mut page = view(
        page::texts(),
        user,
        record,
        state.protocols.default_protocol(),
        at,
    );
    if !erased {
        let (actor, tz) = (user.actor(), &user.clinic_tz);
        page.sms = Some(
            sms::panel(
                state,
                &actor,
                &user.clinic_name,
                id,
                locale.as_str(),
                has_phone,
                tz,
            )
            .await?,
        );
    }
    Ok(page)
}

/// `GET /console/patients/{id}`; `?done=` names what a form just did (post/redirect/get), to
/// confirm it on the page.
pub async fn show(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let mut page = render(&state, &user, &PatientId::from(id.into_inner())).await?;
    let done = Fields::parse(req.query_string().as_bytes());
    page.notice = done
        .get("done")
        .and_then(actions::done_notice)
        .map(str::to_owned);
    page::ok(&page)
}

/// A `datetime-local` value (`2026-12-01T10:30`) in the clinic's zone, as RFC 3339 UTC, or the
/// raw text when it is not one (the shared parser then names the field's error).
pub fn local_input_to_rfc3339(raw: &str, tz: &TimeZone) -> String {
    let parsed = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|n| tz.0.from_local_datetime(&n).earliest());
    match parsed {
        Some(t) => t.with_timezone(&Utc).to_rfc3339(),
        None => raw.to_owned(),
    }
}
