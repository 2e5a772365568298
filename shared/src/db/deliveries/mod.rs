//! Delivery outcomes: attempt records, retries with backoff, dead letters.
//!
//! Every outcome is written by the worker that holds the prompt's lease, and only while it holds
//! it: a worker whose lease expired (and whose prompt another worker re-claimed) changes nothing,
//! not even the attempt log, so the prompt has exactly one recorded history.
//!
//! A prompt whose delivering dispatch made one attempt (one push device, or email), accepted, has
//! that attempt recorded on the prompt row (earlier retries keep their rows) instead of an attempt
//! row ([`inline`]); [`for_prompt`] and the other readers show it as an attempt all the same.

pub mod inline;

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;

use self::inline::{Delivered, inline_attempt, mark_sent};
use super::DbConn;
use super::follow_ups::{self, NextRung};
use super::schema::{delivery_attempts, prompts};
use crate::domain::{DeliveryChannel, DeliveryOutcome, PromptStatus};
use crate::domain::{DeviceId, PatientId, PromptId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_attempts, treat_none_as_default_value = false)]
pub struct Attempt {
    pub id: String,
    pub prompt_id: PromptId,
    pub device_id: Option<DeviceId>,
    /// `fcm`, `apns`, `email` or `log`.
    pub channel: DeliveryChannel,
    /// `sent`, `retry`, `invalid_token` or `failed`.
    pub outcome: DeliveryOutcome,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub provider_id: Option<String>,
    pub worker_id: String,
    pub attempted_at: NaiveDateTime,
}

/// What becomes of a leased prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Delivered on `channel`.
    Sent { channel: DeliveryChannel },
    /// Back to the queue at `at`, one attempt more.
    Retry { at: NaiveDateTime, error: String },
    /// Dead letter: visible to the clinic, never retried.
    Failed { error: String },
    /// Not to be sent at all (discharged, erased, channels off).
    Cancelled { reason: String },
    /// Not to be sent: the patient acknowledged it in the app before it went out. Recorded
    /// `acknowledged`, with no attempt counted and no `sent_at`.
    Acknowledged,
    /// Back to the queue now without counting an attempt (nothing was sent: stopping, or the
    /// lease is too short to finish a send).
    Release,
    /// Back to the queue at `at` without counting an attempt: nothing was sent because the
    /// provider may not be sent to before then (its project is paused after a 429, or its
    /// quota is spent for longer than the lease allows a send to wait).
    Defer { at: NaiveDateTime },
}

/// One leased prompt's outcome, as the worker records it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub prompt_id: PromptId,
    pub resolution: Resolution,
    pub attempts: Vec<Attempt>,
    /// An important prompt sent with a later rung of the ladder available: its follow-up,
    /// written with a `Sent` resolution in the same transaction (`super::follow_ups`).
    pub follow_up: Option<NextRung>,
}

/// Applies `resolution` to the prompt and appends `attempts`, in one transaction, if `worker`
/// still holds the lease. Returns `false` (and writes nothing) when it no longer does. A
/// delivery by a dispatch of one accepted attempt ([`inline::inline_attempt`]) is recorded on the prompt row, with no
/// attempt row.
pub fn resolve(
    conn: &mut DbConn,
    prompt_id: &PromptId,
    worker: &str,
    resolution: &Resolution,
    attempts: &[Attempt],
    now: NaiveDateTime,
) -> Result<bool> {
    super::write_transaction(conn, |conn| {
        let inline = inline_attempt(prompt_id, resolution, attempts);
        let owned = resolve_one(conn, prompt_id, worker, resolution, inline, now)?;
        if owned && inline.is_none() {
            insert_attempts(conn, attempts.iter())?;
        }
        Ok(owned)
    })
}

/// Records a group of outcomes in one transaction: one commit (and one WAL flush) for the
/// group instead of one per prompt. Each outcome is still guarded by its own lease, as in
/// [`resolve`]; the answer says, in order, which ones this worker still owned. The delivered
/// ones are one `UPDATE` for the group; a delivery by a dispatch of one accepted attempt
/// ([`inline::inline_attempt`]) is recorded there and adds nothing to the one multi-row `INSERT` of the other attempts.
pub fn resolve_group(
    conn: &mut DbConn,
    worker: &str,
    outcomes: &[Outcome],
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    super::write_transaction(conn, |conn| {
        // The common case, delivered, is one statement for the whole group; the rest (retries,
        // dead letters, skips, hand-backs) one each.
        let inline: Vec<Option<&Attempt>> = outcomes
            .iter()
            .map(|o| inline_attempt(&o.prompt_id, &o.resolution, &o.attempts))
            .collect();
        let sent: Vec<Delivered> = outcomes
            .iter()
            .zip(&inline)
            .filter_map(|(o, inline)| match o.resolution {
                Resolution::Sent { channel } => Some(Delivered {
                    prompt_id: &o.prompt_id,
                    channel,
                    inline: *inline,
                }),
                _ => None,
            })
            .collect();
        let mut sent_owned = HashSet::new();
        for chunk in sent.chunks(1000) {
            sent_owned.extend(mark_sent(conn, worker, chunk, now)?);
        }
        let mut owned = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            owned.push(match o.resolution {
                Resolution::Sent { .. } => sent_owned.contains(o.prompt_id.as_str()),
                _ => resolve_one(conn, &o.prompt_id, worker, &o.resolution, None, now)?,
            });
        }
        let kept = outcomes
            .iter()
            .zip(&owned)
            .zip(&inline)
            .filter(|((_, owned), inline)| **owned && inline.is_none())
            .flat_map(|((o, _), _)| o.attempts.iter());
        insert_attempts(conn, kept)?;
        // The ladder's next step for the important prompts among them: one statement for the
        // group, and none at all for a group of ordinary prompts.
        let next: Vec<(&PromptId, NextRung)> = outcomes
            .iter()
            .zip(&owned)
            .filter_map(|(o, owned)| match (&o.resolution, o.follow_up, owned) {
                (Resolution::Sent { .. }, Some(next), true) => Some((&o.prompt_id, next)),
                _ => None,
            })
            .collect();
        if !next.is_empty() {
            follow_ups::insert_for(conn, &next, now)?;
        }
        Ok(owned)
    })
}

/// Appends attempt rows, one multi-row statement per chunk (the ladder's steps too).
pub(crate) fn insert_attempts<'a>(
    conn: &mut DbConn,
    attempts: impl Iterator<Item = &'a Attempt>,
) -> Result<()> {
    let rows: Vec<&Attempt> = attempts.collect();
    // One multi-row INSERT per chunk; the chunk keeps SQLite under its bind-parameter limit.
    for chunk in rows.chunks(500) {
        let values: Vec<Attempt> = chunk.iter().copied().cloned().collect();
        let insert = diesel::insert_into(delivery_attempts::table).values(values);
        // The multi-backend connection has no batch insert; each backend has its own.
        match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(())
}

/// The lease guard is the owner alone, so the update is found by primary key. `lease_owner` is
/// set only while a prompt is `sending` and cleared by every way out of it (this function, and
/// `super::outbox::release` and `super::outbox::recover_expired`), so owning the lease implies the status; adding
/// `status = 'sending'` would steer PostgreSQL onto the partial index `prompts_leased`, which
/// reads every leased row of the batch for each resolve. `inline` is a `Sent` prompt's attempt
/// when it is recorded on the row ([`inline::inline_attempt`]); a `Sent` prompt is marked by
/// the same statement as a group's, which sets the inline columns either way (NULL without
/// it), so nothing of an earlier send survives.
fn resolve_one(
    conn: &mut DbConn,
    prompt_id: &PromptId,
    worker: &str,
    resolution: &Resolution,
    inline: Option<&Attempt>,
    now: NaiveDateTime,
) -> Result<bool> {
    let owned = prompts::table
        .filter(prompts::id.eq(prompt_id))
        .filter(prompts::lease_owner.eq(worker));
    let released = (
        prompts::lease_owner.eq(None::<String>),
        prompts::lease_expires_at.eq(None::<NaiveDateTime>),
        prompts::updated_at.eq(now),
    );
    let n = match resolution {
        // The group's statement for one prompt: `sent` (or `acknowledged`, when acknowledged
        // in the app while it was being sent) with its inline send, or NULLs.
        Resolution::Sent { channel } => {
            let one = Delivered {
                prompt_id,
                channel: *channel,
                inline,
            };
            mark_sent(conn, worker, &[one], now)?.len()
        }
        Resolution::Retry { at, error } => diesel::update(owned)
            .set((
                prompts::status.eq(PromptStatus::Scheduled),
                prompts::available_at.eq(at),
                prompts::last_error.eq(error),
                prompts::attempts.eq(prompts::attempts + 1),
                released,
            ))
            .execute(conn)?,
        Resolution::Failed { error } => diesel::update(owned)
            .set((
                prompts::status.eq(PromptStatus::Failed),
                prompts::last_error.eq(error),
                prompts::attempts.eq(prompts::attempts + 1),
                released,
            ))
            .execute(conn)?,
        Resolution::Cancelled { reason } => diesel::update(owned)
            .set((
                prompts::status.eq(PromptStatus::Cancelled),
                prompts::cancelled_at.eq(now),
                prompts::last_error.eq(reason),
                released,
            ))
            .execute(conn)?,
        Resolution::Acknowledged => diesel::update(owned)
            .set((prompts::status.eq(PromptStatus::Acknowledged), released))
            .execute(conn)?,
        Resolution::Release => diesel::update(owned)
            .set((prompts::status.eq(PromptStatus::Scheduled), released))
            .execute(conn)?,
        Resolution::Defer { at } => diesel::update(owned)
            .set((
                prompts::status.eq(PromptStatus::Scheduled),
                prompts::available_at.eq(at),
                released,
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Blanks the provider and mail-server error texts of a patient's prompts and delivery
/// attempts (a mail server's rejection quotes the address). The outcomes, channels and times
/// stay with the de-identified record. Returns how many attempt rows were touched.
pub fn redact_errors_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<usize> {
    let of_patient = prompts::table
        .filter(prompts::patient_id.eq(patient_id))
        .select(prompts::id);
    let n = diesel::update(
        delivery_attempts::table
            .filter(delivery_attempts::prompt_id.eq_any(of_patient))
            .filter(delivery_attempts::error.is_not_null()),
    )
    .set(delivery_attempts::error.eq(None::<String>))
    .execute(conn)?;
    diesel::update(
        prompts::table
            .filter(prompts::patient_id.eq(patient_id))
            .filter(prompts::last_error.is_not_null()),
    )
    .set(prompts::last_error.eq(None::<String>))
    .execute(conn)?;
    Ok(n)
}

/// Every recorded attempt of the prompt, its inline send ([`inline`]) among them, oldest
/// first (by time, then id).
pub fn for_prompt(conn: &mut DbConn, prompt_id: &PromptId) -> Result<Vec<Attempt>> {
    for_prompts(conn, std::slice::from_ref(prompt_id))
}

/// Every recorded attempt of `prompt_ids`, attempt rows and inline sends ([`inline`]) together,
/// by prompt and oldest first within a prompt (by time, then id): two queries per 500 ids.
pub fn for_prompts(conn: &mut DbConn, prompt_ids: &[PromptId]) -> Result<Vec<Attempt>> {
    let mut all = Vec::new();
    // Under SQLite's smallest host-parameter limit (999).
    for chunk in prompt_ids.chunks(500) {
        let rows: Vec<Attempt> = delivery_attempts::table
            .filter(delivery_attempts::prompt_id.eq_any(chunk))
            .select(Attempt::as_select())
            .load(conn)?;
        all.extend(rows);
        all.extend(inline::attempts_for(conn, chunk)?);
    }
    all.sort_by(|a, b| {
        (&a.prompt_id, a.attempted_at, &a.id).cmp(&(&b.prompt_id, b.attempted_at, &b.id))
    });
    Ok(all)
}

/// Deletes attempt records older than `before`, and forgets the details of inline sends of
/// that age ([`inline::prune`]); returns how many of each, together.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    let rows =
        diesel::delete(delivery_attempts::table.filter(delivery_attempts::attempted_at.lt(before)))
            .execute(conn)?;
    Ok(rows + inline::prune(conn, before)?)
}

/// The wait before retry number `attempt` (1-based): exponential from 30 s, capped at one hour,
/// with "full jitter" in its upper half so a provider outage does not end in a thundering herd.
/// A provider's `Retry-After` is a floor, never shortened by jitter.
pub fn backoff(attempt: i32, retry_after: Option<Duration>) -> Duration {
    let exp = attempt.clamp(1, 16) - 1;
    let ceiling = (30i64 << exp).min(3600);
    let secs = rand::thread_rng().gen_range(ceiling / 2..=ceiling);
    let wait = Duration::seconds(secs);
    match retry_after {
        Some(floor) if floor > wait => floor,
        _ => wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        for _ in 0..50 {
            let first = backoff(1, None).num_seconds();
            assert!((15..=30).contains(&first), "{first}");
            let third = backoff(3, None).num_seconds();
            assert!((60..=120).contains(&third), "{third}");
            let late = backoff(30, None).num_seconds();
            assert!((1800..=3600).contains(&late), "{late}");
            let told = backoff(1, Some(Duration::seconds(600))).num_seconds();
            assert_eq!(told, 600);
        }
    }
}
