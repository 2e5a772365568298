//! Protocol and schedule engine tests: the content files, the engine's rules one by one, a
//! table of zones across their DST transitions, and properties over random zones and windows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapt;
mod content;
mod diff_preview;
mod document;
mod document_kept;
mod document_triage;
mod engine;
mod props;
mod safety;
mod triage;
mod triage_content;
mod zones;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::adapt::CheckInSignal;
use super::schedule::{BookingInput, PlanInput, PlannedPrompt, TreatmentInput, plan};
use super::{BUILTIN, Protocol};
use crate::domain::{Area, Device, LocalTime, Locale, NeedleDepth, QuietHours};

pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn builtin_files() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

/// The built-in protocol plus extra TOML files (e.g. a synthetic urgent prompt).
pub(super) fn protocol_with(extra: &[&str]) -> Protocol {
    let mut files = builtin_files();
    for (i, text) in extra.iter().enumerate() {
        files.push((format!("extra{i}.toml"), (*text).to_owned()));
    }
    Protocol::from_files(&files).unwrap()
}

pub(super) fn quiet(start: &str, end: &str) -> Option<QuietHours> {
    Some(
        QuietHours::new(
            LocalTime::parse(start).unwrap(),
            LocalTime::parse(end).unwrap(),
        )
        .unwrap(),
    )
}

/// Face, 1.0 mm, pen, session 1 of 3, every 4 weeks.
pub(super) fn treatment(performed_at: &str) -> TreatmentInput {
    TreatmentInput {
        id: "t1".into(),
        performed_at: utc(performed_at),
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
    }
}

pub(super) struct Req {
    pub tz: Tz,
    pub quiet: Option<QuietHours>,
    pub locale: Locale,
    pub treatment: Option<TreatmentInput>,
    pub booking: Option<BookingInput>,
    pub now: DateTime<Utc>,
    pub signals: Vec<CheckInSignal>,
    pub open_urgent: bool,
}

impl Req {
    pub fn new(tz: Tz, t: TreatmentInput) -> Self {
        Self {
            tz,
            quiet: None,
            now: t.performed_at,
            treatment: Some(t),
            locale: Locale::En,
            booking: None,
            signals: Vec::new(),
            open_urgent: false,
        }
    }

    pub fn run(&self, protocol: &Protocol) -> Vec<PlannedPrompt> {
        plan(
            protocol,
            &PlanInput {
                patient_id: "p1",
                tz: self.tz,
                quiet: self.quiet,
                locale: self.locale,
                treatment: self.treatment.as_ref(),
                booking: self.booking.as_ref(),
                now: self.now,
                signals: &self.signals,
                open_urgent: self.open_urgent,
            },
        )
    }
}

pub(super) fn find<'a>(plan: &'a [PlannedPrompt], key: &str) -> &'a PlannedPrompt {
    plan.iter()
        .find(|p| p.key == key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", keys(plan)))
}

pub(super) fn keys(plan: &[PlannedPrompt]) -> Vec<&str> {
    plan.iter().map(|p| p.key.as_str()).collect()
}
