//! A protocol's plan for a sample treatment, as a clinic checks a draft before publishing it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Protocol;
use crate::domain::{Area, CombinedWith, Device, Locale, NeedleDepth, PlannedPrompt};

/// A sample treatment (and optionally a booked next session) to plan a protocol for.
#[derive(Debug, Clone)]
pub struct PreviewInput {
    pub performed_at: DateTime<Utc>,
    pub areas: Vec<Area>,
    pub depth: NeedleDepth,
    pub device: Device,
    pub combined_with: Vec<CombinedWith>,
    pub tz: Tz,
    pub locale: Locale,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    /// A booked next session, for the protocol's booking prompts.
    pub booking_at: Option<DateTime<Utc>>,
}

/// Every prompt the protocol plans for the sample, in delivery order, as if planned at the
/// treatment (nothing dropped as past) and without quiet hours.
pub fn preview(protocol: &Protocol, sample: &PreviewInput) -> Vec<PlannedPrompt> {
    let _ = (protocol, sample);
    Vec::new()
}
