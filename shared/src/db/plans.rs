//! Reconciling a patient's stored prompts with their plan (`crate::care::plan::replan` makes
//! the plan and calls [`reconcile`]):
//! - a planned prompt with no row is inserted;
//! - a row that is still replaceable — `scheduled` and due in the future, or `cancelled` and
//!   never sent — is updated to the plan (re-timed, re-rendered, revived), or left alone when
//!   it already matches, so running it twice changes nothing;
//! - any other row with that idempotency key (sent, acknowledged, failed, being sent, already
//!   due) is left alone: the same logical prompt never exists twice and is never resent;
//! - a future `scheduled` row the plan no longer contains is cancelled (kept for the record).
//!
//! Callers run it inside the transaction that made the change, after
//! [`patients::lock_patient`], so concurrent re-plans of one patient queue up instead of racing
//! on idempotency keys.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prompts::{self, Prompt};
use super::schema::prompts as prompts_t;
use super::{DbConn, patients};
use crate::domain::{BookingId, PatientId, PlannedPrompt, PromptId, TreatmentId};
use crate::domain::{PromptStatus, TimeZone};
use crate::error::Result;

/// What a re-plan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub inserted: usize,
    pub updated: usize,
    pub cancelled: usize,
}

impl Outcome {
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.cancelled > 0
    }
}

/// The patient's stored prompts, whatever their status: what [`reconcile`] compares the plan
/// with.
pub fn stored(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Prompt>> {
    Ok(prompts_t::table
        .filter(prompts_t::patient_id.eq(patient_id))
        .select(Prompt::as_select())
        .load(conn)?)
}

fn replaceable(row: &Prompt, now: NaiveDateTime) -> bool {
    (row.status == PromptStatus::Scheduled && row.due_at > now)
        || (row.status == PromptStatus::Cancelled && row.sent_at.is_none())
}

/// Brings the patient's `stored` prompts (as [`stored`] read them, in this transaction) to the
/// plan `desired` (see the module documentation), taken as it is: whether a late prompt keeps
/// its stored instant is the planner's decision.
pub fn reconcile(
    conn: &mut DbConn,
    profile: &patients::PatientProfile,
    stored: &[Prompt],
    desired: &[PlannedPrompt],
    now: NaiveDateTime,
) -> Result<Outcome> {
    let by_key: HashMap<&str, &Prompt> = stored
        .iter()
        .map(|p| (p.idempotency_key.as_str(), p))
        .collect();
    let mut outcome = Outcome::default();
    let mut new_rows = Vec::new();
    for d in desired {
        match by_key.get(d.idempotency_key.as_str()) {
            None => new_rows.push(row_for(profile, d, now)),
            Some(row) if replaceable(row, now) => {
                if update_row(conn, row, row_for(profile, d, now), now)? {
                    outcome.updated += 1;
                }
            }
            Some(_) => {}
        }
    }
    outcome.inserted = new_rows.len();
    prompts::insert(conn, &new_rows)?;

    let keep: HashSet<&str> = desired.iter().map(|d| d.idempotency_key.as_str()).collect();
    let stale: Vec<&str> = stored
        .iter()
        .filter(|r| r.status == PromptStatus::Scheduled && r.due_at > now)
        .filter(|r| !keep.contains(r.idempotency_key.as_str()))
        .map(|r| r.id.as_str())
        .collect();
    if !stale.is_empty() {
        outcome.cancelled = cancel_where(conn, &profile.user_id, Some(&stale), now)?;
    }
    Ok(outcome)
}

fn row_for(profile: &patients::PatientProfile, d: &PlannedPrompt, now: NaiveDateTime) -> Prompt {
    let due = d.due_at.naive_utc();
    Prompt {
        id: PromptId::new(),
        clinic_id: profile.clinic_id.clone(),
        patient_id: profile.user_id.clone(),
        treatment_id: d.treatment_id.clone().map(TreatmentId::from),
        booking_id: d.booking_id.clone().map(BookingId::from),
        kind: d.kind,
        prompt_key: d.key.clone(),
        day: d.day,
        urgent: d.urgent,
        idempotency_key: d.idempotency_key.clone(),
        title: d.title.clone(),
        body: d.body.clone(),
        locale: d.locale,
        timezone: TimeZone(d.timezone),
        local_date: d.local_date.format("%Y-%m-%d").to_string(),
        local_time: d.local_time.format("%H:%M").to_string(),
        due_at: due,
        available_at: due,
        status: PromptStatus::Scheduled,
        attempts: 0,
        lease_owner: None,
        lease_expires_at: None,
        channel: None,
        last_error: None,
        sent_at: None,
        acknowledged_at: None,
        cancelled_at: None,
        created_at: now,
        updated_at: now,
        important: d.important,
        ack_window_secs: d.ack_window_secs,
    }
}

/// Brings a replaceable row to the plan; `false` when it already matched.
fn update_row(conn: &mut DbConn, row: &Prompt, wanted: Prompt, now: NaiveDateTime) -> Result<bool> {
    let same = row.status == PromptStatus::Scheduled
        && row.kind == wanted.kind
        && row.day == wanted.day
        && row.urgent == wanted.urgent
        && row.important == wanted.important
        && row.ack_window_secs == wanted.ack_window_secs
        && row.title == wanted.title
        && row.body == wanted.body
        && row.locale == wanted.locale
        && row.timezone == wanted.timezone
        && row.local_date == wanted.local_date
        && row.local_time == wanted.local_time
        && row.due_at == wanted.due_at
        && row.treatment_id == wanted.treatment_id
        && row.booking_id == wanted.booking_id;
    if same {
        return Ok(false);
    }
    // The status predicate guards against a worker claiming the row meanwhile.
    let n = diesel::update(
        prompts_t::table
            .filter(prompts_t::id.eq(&row.id))
            .filter(prompts_t::status.eq(&row.status)),
    )
    .set((
        prompts_t::kind.eq(&wanted.kind),
        prompts_t::day.eq(wanted.day),
        prompts_t::urgent.eq(wanted.urgent),
        prompts_t::important.eq(wanted.important),
        prompts_t::ack_window_secs.eq(wanted.ack_window_secs),
        prompts_t::title.eq(&wanted.title),
        prompts_t::body.eq(&wanted.body),
        prompts_t::locale.eq(&wanted.locale),
        prompts_t::timezone.eq(&wanted.timezone),
        prompts_t::local_date.eq(&wanted.local_date),
        prompts_t::local_time.eq(&wanted.local_time),
        prompts_t::due_at.eq(wanted.due_at),
        prompts_t::available_at.eq(wanted.due_at),
        prompts_t::status.eq(PromptStatus::Scheduled),
        prompts_t::attempts.eq(0),
        prompts_t::cancelled_at.eq(None::<NaiveDateTime>),
        prompts_t::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Cancels the patient's `scheduled` prompts (only those in `ids`, when given), whatever their
/// due time: used for discharge and erasure, where nothing may be sent afterwards.
pub fn cancel_pending(
    conn: &mut DbConn,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<usize> {
    cancel_where(conn, patient_id, None, now)
}

fn cancel_where(
    conn: &mut DbConn,
    patient_id: &PatientId,
    ids: Option<&[&str]>,
    now: NaiveDateTime,
) -> Result<usize> {
    let base = prompts_t::table
        .filter(prompts_t::patient_id.eq(patient_id))
        .filter(prompts::status_is(PromptStatus::Scheduled));
    let set = (
        prompts_t::status.eq(PromptStatus::Cancelled),
        prompts_t::cancelled_at.eq(now),
        prompts_t::updated_at.eq(now),
    );
    Ok(match ids {
        Some(ids) => diesel::update(base.filter(prompts_t::id.eq_any(ids)))
            .set(set)
            .execute(conn)?,
        None => diesel::update(base).set(set).execute(conn)?,
    })
}
