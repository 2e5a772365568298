//! The outbox as the delivery worker drives it: one lease discipline for every kind of message
//! (prompts, clinic alerts, the delivery ladder's follow-ups), reached through a [`Queue`]. A
//! drain claims ids ([`lease_due`]), reads them a window at a time with what sending them needs
//! ([`prompt_window`], [`alert_window`], [`follow_up_window`]), sends, and records the outcomes
//! in groups ([`record_prompts`], [`record_alerts`], [`record_follow_ups`]), each guarded by
//! its lease owner; claims it
//! will not reach go back at once ([`release`]), a dead worker's come back when their lease ends
//! ([`recover_expired`]), and [`next_available_at`] says when to look again. README.md
//! ("What runs where", delivery) tells the guarantees: at-least-once with one recorded history.
//!
//! Each function is one trip to the blocking pool on one connection checkout (one statement; a
//! window's few reads, each guarded by the lease owner, so no transaction is needed; a group's
//! one transaction) and answers `Unavailable` (503 where an HTTP caller shows it) when no connection came
//! free within the connection wait, which the worker may offer again; any other error is the
//! database's (`Internal`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::Db;
use super::delivery::{self, Recipient};
use crate::db::{alerts, deliveries, follow_ups, outbox, prompts};
use crate::domain::{ClinicAlertId, ClinicId, FollowUpId, PromptId};
use crate::error::Result;

pub use crate::db::alerts::{AlertOutcome, ClinicAlert, Recipients, after_failure};
pub use crate::db::deliveries::{Attempt, Outcome, Resolution, backoff};
pub use crate::db::follow_ups::{EMAIL, FollowUp, NextRung, PUSH, SMS, Step};
pub use crate::db::outbox::{CLINIC_ALERTS, FOLLOW_UPS, PROMPTS, Queue};
pub use crate::db::prompts::Prompt;

/// Leases up to `limit` claimable rows of `q` to `worker` until `lease_until`, earliest first,
/// and returns their ids; committed before the caller sends anything.
pub async fn lease_due<I: From<String> + Send + 'static>(
    db: &Db,
    q: Queue,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<I>> {
    let worker = worker.to_owned();
    db.run(move |c| outbox::lease_due(c, q, &worker, now, lease_until, limit))
        .await
}

/// Hands the rows among `ids` that `worker` still holds back to `q`, unsent, their attempt
/// count kept; returns how many.
pub async fn release<I: AsRef<str> + Send + 'static>(
    db: &Db,
    q: Queue,
    worker: &str,
    ids: Vec<I>,
    now: NaiveDateTime,
) -> Result<usize> {
    let worker = worker.to_owned();
    db.run(move |c| outbox::release(c, q, &worker, &ids, now))
        .await
}

/// Returns the rows of `q` whose lease ended before `now` to the queue; returns how many.
pub async fn recover_expired(db: &Db, q: Queue, now: NaiveDateTime) -> Result<usize> {
    db.run(move |c| outbox::recover_expired(c, q, now)).await
}

/// When the earliest waiting row of `q` becomes claimable (UTC), or `None`.
pub async fn next_available_at(db: &Db, q: Queue) -> Result<Option<NaiveDateTime>> {
    db.run(move |c| outbox::next_available_at(c, q)).await
}

/// The prompts among `ids` that `worker` still holds, in claim order, and who each goes to
/// (`super::delivery::Recipient`, the skip rules applied): four queries in one trip, whatever
/// the window's size (six when the window holds a prompt that may be texted: an important one,
/// or one whose patient has email off, with texts on and a valid number).
pub async fn prompt_window(
    db: &Db,
    worker: &str,
    ids: Vec<PromptId>,
) -> Result<(Vec<Prompt>, Vec<Recipient>)> {
    let worker = worker.to_owned();
    db.run(move |c| {
        let prompts = prompts::leased(c, &worker, &ids)?;
        let recipients = delivery::recipients(c, &prompts)?;
        Ok((prompts, recipients))
    })
    .await
}

/// Whether the patient acknowledged prompt `id` (after the worker read its window, while it
/// waited for a send slot or send permits): one primary-key query, read just before sending.
pub async fn acknowledged(db: &Db, id: &PromptId) -> Result<bool> {
    let id = id.clone();
    db.run(move |c| Ok(prompts::acknowledged_at(c, &id)?.is_some()))
        .await
}

/// The alerts among `ids` that `worker` still holds, in claim order, and the recipients of
/// their clinics (a clinic that does not exist is absent from the map): two queries in one trip.
pub async fn alert_window(
    db: &Db,
    worker: &str,
    ids: Vec<ClinicAlertId>,
) -> Result<(Vec<ClinicAlert>, HashMap<ClinicId, Recipients>)> {
    let worker = worker.to_owned();
    db.run(move |c| {
        let batch = alerts::leased(c, &worker, &ids)?;
        if batch.is_empty() {
            return Ok((batch, HashMap::new()));
        }
        let clinics: BTreeSet<ClinicId> = batch.iter().map(|a| a.clinic_id.clone()).collect();
        let clinics: Vec<ClinicId> = clinics.into_iter().collect();
        let to = alerts::recipients(c, &clinics)?;
        Ok((batch, to))
    })
    .await
}

/// Records a group of prompt outcomes with their attempt logs in one transaction, each only if
/// `worker` still holds its lease; says, in order, which were recorded. A prompt whose delivering
/// dispatch made one attempt (one device, or email), accepted, has it recorded on the prompt row
/// rather than as an attempt row (`crate::db::deliveries::inline`). The group is shared (`Arc`) so
/// a caller can offer it again after `Unavailable` without copying it.
pub async fn record_prompts(
    db: &Db,
    worker: &str,
    group: Arc<Vec<Outcome>>,
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    let worker = worker.to_owned();
    db.run(move |c| deliveries::resolve_group(c, &worker, &group, now))
        .await
}

/// Records a group of clinic-alert outcomes in one transaction, each only if `worker` still
/// holds its lease; says, in order, which were recorded.
pub async fn record_alerts(
    db: &Db,
    worker: &str,
    group: Arc<Vec<(ClinicAlertId, AlertOutcome)>>,
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    let worker = worker.to_owned();
    db.run(move |c| alerts::resolve_group(c, &worker, &group, now))
        .await
}

/// The delivery ladder's follow-ups among `ids` that `worker` still holds, in claim order, each
/// with its prompt and who it goes to (the skip rules applied; an acknowledged prompt is
/// [`Recipient::Seen`]): four queries in one trip (six when the window holds a patient who
/// may be texted), whatever the window's size. A follow-up that must send nothing more (its
/// prompt or booked session cancelled, the session moved since the prompt went, its patient
/// skipped: discharged, erased, ...) is ended here, `sent` with the reason as `last_error`
/// (`follow_ups::close`, one statement per reason), and left out of the window.
pub async fn follow_up_window(
    db: &Db,
    worker: &str,
    ids: Vec<FollowUpId>,
) -> Result<Vec<(FollowUp, Prompt, Recipient)>> {
    let worker = worker.to_owned();
    db.run(move |c| {
        let rows = follow_ups::leased(c, &worker, &ids)?;
        let prompts: Vec<Prompt> = rows.iter().map(|(_, p, _)| p.clone()).collect();
        let recipients = delivery::recipients(c, &prompts)?;
        let mut closing = Vec::new();
        let mut window = Vec::with_capacity(rows.len());
        for ((f, p, stale), r) in rows.into_iter().zip(recipients) {
            match (stale, r) {
                (Some(why), _) | (None, Recipient::Skip(why)) => closing.push((f.id, why)),
                (None, r) => window.push((f, p, r)),
            }
        }
        if !closing.is_empty() {
            follow_ups::close(c, &worker, &closing)?;
        }
        Ok(window)
    })
    .await
}

/// Records a group of ladder steps with their attempt logs in one transaction, each only if
/// `worker` still holds its lease; says, in order, which were recorded.
pub async fn record_follow_ups(
    db: &Db,
    worker: &str,
    group: Arc<Vec<(FollowUpId, Step, Vec<Attempt>)>>,
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    let worker = worker.to_owned();
    db.run(move |c| follow_ups::resolve_group(c, &worker, &group, now))
        .await
}
