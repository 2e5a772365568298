//! Re-planning a patient's prompts: the one step every change that affects the plan ends with
//! (a treatment recorded, a session booked, moved or cancelled, the patient's zone, quiet hours
//! or language, a check-in or its escalation resolved, a discharge).
//!
//! Three parts, each in its own layer: the inputs are read from the database (`crate::db`),
//! the schedule engine plans from them (`crate::protocol::plan`, pure), and the stored rows
//! are reconciled with the plan (`crate::db::plans::reconcile`, which documents what it
//! inserts, updates and cancels). The plan is recomputed from the current state whatever
//! changed, so running it twice changes nothing.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::care::protocols::Protocols;
use crate::db::bookings::Booking;
use crate::db::prompts::Prompt;
use crate::db::treatments::Treatment;
use crate::db::{DbConn, bookings, check_ins, escalations, patients, plans, treatments};
use crate::domain::{NeedleDepth, PatientId, PlannedPrompt, PromptStatus, QuietHours};
use crate::error::{Error, Result};
use crate::protocol::{BookingInput, CheckInSignal, PlanInput, TreatmentInput, plan};

pub use crate::db::plans::Outcome;

/// Recomputes the patient's plan and reconciles the stored prompts with it. A discharged or
/// erased patient's plan is empty: their future `scheduled` prompts are cancelled. Call inside
/// the transaction that made the change, after [`patients::lock_patient`], so concurrent
/// re-plans of one patient queue up instead of racing on idempotency keys.
/// Errors: `NotFound` when the patient does not exist; `Internal` for a stored treatment or
/// preference that does not parse (rows are written from parsed input only); database errors.
pub fn replan(
    conn: &mut DbConn,
    protocols: &Protocols,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<Outcome> {
    let profile = patients::find(conn, patient_id)?;
    let (desired, quiet) = if profile.discharged_at.is_some() || profile.erased_at.is_some() {
        (Vec::new(), None)
    } else {
        let prefs = patients::Preferences::of(&profile)?;
        let current = treatments::current(conn, patient_id)?;
        let treatment = current.as_ref().map(Treatment::input).transpose()?;
        let signals: Vec<CheckInSignal> = match &current {
            Some(t) => check_ins::signals_for_treatment(conn, &t.id)?
                .into_iter()
                .map(|(id, at, severity, peeling)| CheckInSignal {
                    id: id.into_string(),
                    at: at.and_utc(),
                    severity,
                    peeling,
                })
                .collect(),
            None => Vec::new(),
        };
        let open_urgent = escalations::has_open_urgent(conn, patient_id)?;
        // The treatment's own version; with none yet (a first session booked), the clinic's.
        let protocol = match &current {
            Some(t) => protocols.of(conn, t.protocol_id.as_ref())?,
            None => protocols.published(conn, &profile.clinic_id)?.0,
        };
        let booking = bookings::live(conn, patient_id)?.map(|b| b.input());
        let desired = plan(
            &protocol,
            &PlanInput {
                patient_id: patient_id.as_str(),
                tz: prefs.tz.0,
                quiet: prefs.quiet,
                locale: prefs.locale,
                treatment: treatment.as_ref(),
                booking: booking.as_ref(),
                now: now.and_utc(),
                signals: &signals,
                open_urgent,
            },
        );
        (desired, prefs.quiet)
    };
    let stored = plans::stored(conn, &profile.user_id)?;
    let desired = keep_late_instants(desired, &stored, quiet);
    plans::reconcile(conn, &profile, &stored, &desired, now)
}

/// A late prompt whose row is still `scheduled` keeps that row's instant (a re-plan a minute
/// later must not chase the clock), shown in the current zone and out of its quiet hours
/// ([`PlannedPrompt::keeping`]). Rows no longer replaceable are left alone by the
/// reconciliation whatever the plan says.
fn keep_late_instants(
    desired: Vec<PlannedPrompt>,
    stored: &[Prompt],
    quiet: Option<QuietHours>,
) -> Vec<PlannedPrompt> {
    let scheduled: HashMap<&str, NaiveDateTime> = stored
        .iter()
        .filter(|row| row.status == PromptStatus::Scheduled)
        .map(|row| (row.idempotency_key.as_str(), row.due_at))
        .collect();
    desired
        .into_iter()
        .map(|d| match scheduled.get(d.idempotency_key.as_str()) {
            Some(due) if d.late => d.keeping(due.and_utc(), quiet),
            _ => d,
        })
        .collect()
}

// The schedule engine's inputs are built here, where both layers are known; the rows
// themselves stay plain storage.
impl Treatment {
    /// What the schedule engine needs. Rows are written from parsed input only, so a row that
    /// does not parse is corrupt data: `Error::Internal`, not the client's.
    pub fn input(&self) -> Result<TreatmentInput> {
        let corrupt = |what: &str| {
            Error::Internal(anyhow::anyhow!("treatment {} has invalid {what}", self.id))
        };
        Ok(TreatmentInput {
            id: self.id.to_string(),
            performed_at: self.performed_at.and_utc(),
            areas: self.areas.to_vec(),
            depth: NeedleDepth::parse(self.needle_depth_mm).map_err(|_| corrupt("depth"))?,
            device: self.device,
            combined_with: self.combined_with.to_vec(),
            session_number: self.session_number,
            planned_sessions: self.planned_sessions,
            interval_weeks: self.interval_weeks,
        })
    }
}

impl Booking {
    /// What the schedule engine needs of the booked session.
    pub fn input(&self) -> BookingInput {
        BookingInput {
            id: self.id.to_string(),
            starts_at: self.starts_at.and_utc(),
            revision: self.revision,
        }
    }
}
