//! The prompt outbox: planned messages, claimed by workers through the database.
//!
//! Claiming, handing back, recovering and the next-due probe are the outbox's
//! (`super::outbox`, queue [`super::outbox::PROMPTS`]); this module reads the leased prompts a
//! window at a time, and `super::deliveries` records their outcomes.

use chrono::NaiveDateTime;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::prompts;
use super::{DbConn, outbox};
use crate::domain::{BookingId, ClinicId, PatientId, PromptId, TreatmentId};
use crate::domain::{DeliveryChannel, Locale, PromptKind, PromptStatus, TimeZone};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = prompts)]
pub struct Prompt {
    pub id: PromptId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub treatment_id: Option<TreatmentId>,
    pub booking_id: Option<BookingId>,
    pub kind: PromptKind,
    pub prompt_key: String,
    pub day: i32,
    pub urgent: bool,
    pub idempotency_key: String,
    pub title: String,
    pub body: String,
    pub locale: Locale,
    pub timezone: TimeZone,
    pub local_date: String,
    pub local_time: String,
    pub due_at: NaiveDateTime,
    pub available_at: NaiveDateTime,
    pub status: PromptStatus,
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub channel: Option<DeliveryChannel>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Climbs the delivery ladder (push → SMS → email) when not acknowledged within
    /// `ack_window_secs` of a send (`prompt_follow_ups`).
    pub important: bool,
    /// The acknowledgement window of an important prompt, seconds; `None` for the others.
    pub ack_window_secs: Option<i32>,
}

/// `prompts.status = '<literal>'` written into the SQL text instead of a bound parameter: the
/// planner can use a partial index (`prompts_pending`, `prompts_leased`) only when it sees the
/// literal the index was built with. `s` is a closed code, never input.
pub fn status_is(s: PromptStatus) -> SqlLiteral<Bool> {
    diesel::dsl::sql::<Bool>(&format!("prompts.status = '{}'", s.as_str()))
}

pub fn insert(conn: &mut DbConn, rows: &[Prompt]) -> Result<()> {
    // Multi-row inserts are per backend: diesel's multi-backend has no batch insert.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(prompts::table).values(chunk);
        match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(())
}

/// Leases up to `limit` due prompts to `worker` until `lease_until` and returns their ids,
/// earliest claimable first: the outbox claim ([`super::outbox::lease_due`] on
/// [`super::outbox::PROMPTS`]), committed before any network I/O. The prompts themselves are
/// read a window at a time with [`leased`], so a worker's memory follows what it sends at once,
/// not the batch size.
pub fn lease_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<PromptId>> {
    outbox::lease_due(conn, outbox::PROMPTS, worker, now, lease_until, limit)
}

/// The prompts among `ids` that `worker` still holds a lease on, in the order of `ids`. A
/// prompt whose lease expired and went to another worker since the claim is left out: there is
/// nothing left for this worker to send. One query, found by primary key: the guard is the
/// owner alone, as in `deliveries::resolve_group` (`lease_owner` is set only while a prompt is
/// `sending`, and naming `status = 'sending'` would steer PostgreSQL onto the partial index
/// `prompts_leased`, which holds every leased row of every worker). The drain passes a read
/// window (hundreds of ids); any length works on both backends (PostgreSQL binds one array,
/// bundled SQLite allows 32,766 parameters).
pub fn leased(conn: &mut DbConn, worker: &str, ids: &[PromptId]) -> Result<Vec<Prompt>> {
    let mut rows: Vec<Prompt> = super::on_backend!(conn, |c| prompts::table
        .filter(prompts::id.eq_any(ids))
        .filter(prompts::lease_owner.eq(worker))
        .select(Prompt::as_select())
        .load(c)?);
    rows.retain(|p| p.status == PromptStatus::Sending);
    outbox::in_claim_order(&mut rows, ids, |p| p.id.as_str());
    Ok(rows)
}

/// Hands the prompts among `ids` that `worker` still holds back to the queue, unsent and with
/// their attempt count kept ([`super::outbox::release`]); returns how many. Guarded by the owner
/// alone, like [`leased`].
pub fn release(
    conn: &mut DbConn,
    worker: &str,
    ids: &[PromptId],
    now: NaiveDateTime,
) -> Result<usize> {
    outbox::release(conn, outbox::PROMPTS, worker, ids, now)
}

/// [`lease_due`], then [`leased`] for the whole claim: the prompts themselves, earliest
/// claimable first. For callers that want the rows at once (tools, tests, the demo, the drain
/// bench's raw line); the worker reads a window at a time instead, so its memory does not
/// follow the batch.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Prompt>> {
    let ids = lease_due(conn, worker, now, lease_until, limit)?;
    leased(conn, worker, &ids)
}

/// When the earliest scheduled prompt becomes claimable (UTC; it may already be past), or `None`
/// when none is scheduled: one probe of the partial index `prompts_pending`
/// ([`super::outbox::next_available_at`]).
pub fn next_available_at(conn: &mut DbConn) -> Result<Option<NaiveDateTime>> {
    outbox::next_available_at(conn, outbox::PROMPTS)
}

/// Returns prompts whose lease expired (the worker died mid-send) to the queue, their attempt
/// count kept ([`super::outbox::recover_expired`]).
pub fn release_expired_leases(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    outbox::recover_expired(conn, outbox::PROMPTS, now)
}

/// The patient's prompts in delivery order, for the timeline and the clinic's view.
pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Prompt>> {
    Ok(super::on_backend!(conn, |c| prompts::table
        .filter(prompts::patient_id.eq(patient_id))
        .order((prompts::due_at.asc(), prompts::id.asc()))
        .select(Prompt::as_select())
        .load(c)?))
}

/// What acknowledging a prompt did.
/// When the patient acknowledged prompt `id` (`None`: not acknowledged, or no such prompt):
/// one primary-key read, the worker's last check before it sends.
pub fn acknowledged_at(conn: &mut DbConn, id: &PromptId) -> Result<Option<NaiveDateTime>> {
    Ok(prompts::table
        .find(id)
        .select(prompts::acknowledged_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// Recorded now.
    Now(NaiveDateTime),
    /// Already acknowledged at this time; nothing changed.
    Before(NaiveDateTime),
}

/// Records the patient's acknowledgement of one of their own prompts; the first time stands.
/// An acknowledgement means the patient has seen the prompt (in the app's timeline), so:
/// - `sent` and `scheduled` (not sent yet) become `acknowledged`; a scheduled one leaves the
///   queue and is never pushed or emailed afterwards (no `sent_at`);
/// - `sending` (leased by a worker) keeps its status and carries the time: the worker skips
///   it unless its send had already started, and records it `acknowledged` either way;
/// - `failed` keeps its status and carries the time, so the failed delivery stays visible to
///   the clinic (both the API and the console then show it `acknowledged`, see
///   [`crate::domain::PromptStatus::shown`]).
///
/// Errors: `NotFound` for another patient's prompt or an unknown id, `Conflict` for a
/// cancelled one.
pub fn acknowledge(
    conn: &mut DbConn,
    patient_id: &PatientId,
    prompt_id: &PromptId,
    now: NaiveDateTime,
) -> Result<Acknowledged> {
    // A worker may resolve the prompt between the read and the write (on PostgreSQL, where the
    // read takes no lock): read again and retry rather than lose the acknowledgement.
    for _ in 0..3 {
        let (prompt_status, acked): (PromptStatus, Option<NaiveDateTime>) = prompts::table
            .filter(prompts::id.eq(prompt_id))
            .filter(prompts::patient_id.eq(patient_id))
            .select((prompts::status, prompts::acknowledged_at))
            .first(conn)?;
        if let Some(at) = acked {
            return Ok(Acknowledged::Before(at));
        }
        if prompt_status == PromptStatus::Cancelled {
            return Err(crate::Error::Conflict(
                "this prompt was cancelled and cannot be acknowledged".into(),
            ));
        }
        let new_status = match prompt_status {
            PromptStatus::Sent | PromptStatus::Scheduled => PromptStatus::Acknowledged,
            other => other,
        };
        let n = diesel::update(
            prompts::table
                .filter(prompts::id.eq(prompt_id))
                .filter(prompts::status.eq(prompt_status))
                .filter(prompts::acknowledged_at.is_null()),
        )
        .set((
            prompts::status.eq(new_status),
            prompts::acknowledged_at.eq(now),
            prompts::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 1 {
            return Ok(Acknowledged::Now(now));
        }
    }
    Err(crate::Error::Unavailable(
        "the prompt is changing right now; try again".into(),
    ))
}
