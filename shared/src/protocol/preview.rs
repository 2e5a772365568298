//! A protocol's plan for a sample treatment, as a clinic checks a draft before publishing it.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use super::Protocol;
use super::schedule::{BookingInput, PlanInput, TreatmentInput, plan};
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
/// treatment (nothing dropped as past) and without quiet hours, with placeholders filled in
/// the sample's language. The schedule engine's other rules apply as for a patient: a
/// booking prompt that would land before the treatment or at or after the session is left
/// out, and without a booking the course prompts (rebook) are planned instead. Total: any
/// sample gives a plan (possibly empty), never a panic.
pub fn preview(protocol: &Protocol, sample: &PreviewInput) -> Vec<PlannedPrompt> {
    // The engine adds days and weeks to these instants: far outside any real calendar that
    // would overflow, so such a sample plans nothing.
    let plausible = |t: DateTime<Utc>| (1900..=9000).contains(&t.year());
    if !plausible(sample.performed_at) || !sample.booking_at.is_none_or(plausible) {
        return Vec::new();
    }
    let treatment = TreatmentInput {
        id: "preview".into(),
        performed_at: sample.performed_at,
        areas: sample.areas.clone(),
        depth: sample.depth,
        device: sample.device,
        combined_with: sample.combined_with.clone(),
        session_number: sample.session_number,
        planned_sessions: sample.planned_sessions,
        interval_weeks: sample.interval_weeks,
    };
    let booking = sample.booking_at.map(|starts_at| BookingInput {
        id: "preview-booking".into(),
        starts_at,
        revision: 0,
    });
    plan(
        protocol,
        &PlanInput {
            patient_id: "preview",
            tz: sample.tz,
            quiet: None,
            locale: sample.locale,
            treatment: Some(&treatment),
            booking: booking.as_ref(),
            now: sample.performed_at,
            signals: &[],
            open_urgent: false,
        },
    )
}
