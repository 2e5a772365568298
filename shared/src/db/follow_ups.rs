//! The delivery ladder's outbox (`prompt_follow_ups`): one row per important prompt that was
//! sent on one channel with a later one available, written in the transaction that records the
//! send (`super::deliveries::resolve_group`). Claimed, handed back, recovered and probed as every
//! outbox is (`super::outbox`, queue [`super::outbox::FOLLOW_UPS`]); this module reads the leased
//! rows with their prompts a window at a time ([`leased`]) and records a group of steps
//! ([`resolve_group`]), each guarded by its lease owner.
//!
//! `rung` is the step the row tries next: [`PUSH`], [`SMS`], [`EMAIL`]. A row ends `sent` when
//! the ladder is over (the last rung went, the prompt was acknowledged, no later rung is
//! available, or it must send nothing more: [`close`], the reason in `last_error`) and `failed`
//! when its sends failed for good; while a later rung remains it goes back to `pending` at the end of the next window.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::deliveries::{Attempt, insert_attempts};
use super::prompts::Prompt;
use super::schema::{prompt_follow_ups as t, prompts, session_bookings as b};
use crate::domain::{FollowUpId, PromptId};
use crate::error::Result;

/// The ladder's rungs, in order (`prompt_follow_ups.rung`).
pub const PUSH: i32 = 0;
pub const SMS: i32 = 1;
pub const EMAIL: i32 = 2;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub prompt_id: PromptId,
    /// The rung tried next: [`PUSH`], [`SMS`] or [`EMAIL`].
    pub rung: i32,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    /// Tries of the current rung that failed for a while (reset when a rung is sent).
    pub attempts: i32,
    pub available_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The last send up the ladder.
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The ladder's next step for a prompt: try `rung` (or a later one) at `available_at` (UTC:
/// the end of the acknowledgement window, moved out of the patient's quiet hours unless the
/// prompt is urgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRung {
    pub rung: i32,
    pub available_at: NaiveDateTime,
}

/// What becomes of a leased follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Sent on a rung; then `next`, or the end of the ladder (`None`).
    Sent { next: Option<NextRung> },
    /// Nothing more to send: the prompt was acknowledged, or no later rung is available.
    Done,
    /// Every available rung failed for a while: back at `at`, one attempt more.
    Retry { at: NaiveDateTime, error: String },
    /// Given up: the patient cannot be sent to, or every rung refused for good.
    Failed { error: String },
    /// Back to the queue now, nothing sent and no attempt counted (stopping, short lease).
    Release,
    /// Back to the queue at `at`, nothing sent and no attempt counted (quiet hours).
    Defer { at: NaiveDateTime },
}

/// Inserts the follow-ups of prompts just recorded as sent, one multi-row statement per chunk;
/// a prompt that already has one keeps it (a send repeated after a crash adds nothing).
pub fn insert_for(
    conn: &mut DbConn,
    rows: &[(&PromptId, NextRung)],
    now: NaiveDateTime,
) -> Result<()> {
    for chunk in rows.chunks(500) {
        let values: Vec<FollowUp> = chunk
            .iter()
            .map(|(prompt_id, next)| FollowUp {
                id: FollowUpId::new(),
                prompt_id: (*prompt_id).clone(),
                rung: next.rung,
                status: "pending".into(),
                attempts: 0,
                available_at: next.available_at,
                lease_owner: None,
                lease_expires_at: None,
                last_error: None,
                sent_at: Some(now),
                created_at: now,
            })
            .collect();
        let insert = diesel::insert_into(t::table)
            .values(values)
            .on_conflict(t::prompt_id)
            .do_nothing();
        match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(lite) => insert.execute(lite)?,
        };
    }
    Ok(())
}

/// The follow-ups among `ids` that `worker` still holds, in the order of `ids`, each with its
/// prompt (whose `acknowledged_at` stops the ladder) and, when the prompt's session no longer
/// stands, why ([`stale`]): one query, found by primary key and guarded by the owner alone, as
/// `super::prompts::leased` is.
pub fn leased(
    conn: &mut DbConn,
    worker: &str,
    ids: &[FollowUpId],
) -> Result<Vec<(FollowUp, Prompt, Option<&'static str>)>> {
    type Row = (
        FollowUp,
        Prompt,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = super::on_backend!(conn, |c| t::table
        .inner_join(prompts::table)
        .left_join(b::table.on(prompts::booking_id.eq(b::id.nullable())))
        .filter(t::id.eq_any(ids))
        .filter(t::lease_owner.eq(worker))
        .select((
            FollowUp::as_select(),
            Prompt::as_select(),
            b::cancelled_at.nullable(),
            b::moved_at.nullable(),
        ))
        .load(c)?);
    let mut rows: Vec<(FollowUp, Prompt, Option<&'static str>)> = rows
        .into_iter()
        .filter(|(f, ..)| f.status == "sending")
        .map(|(f, p, cancelled_at, moved_at)| {
            let why = stale(&p, cancelled_at, moved_at);
            (f, p, why)
        })
        .collect();
    super::outbox::in_claim_order(&mut rows, ids, |(f, ..)| f.id.as_str());
    Ok(rows)
}

/// Why a prompt's follow-up must not go, if it must not: the prompt was cancelled
/// (`prompt_cancelled`), or its booked session was cancelled (`booking_cancelled`) or moved
/// after the prompt was sent (`booking_moved`), so a reminder of it speaks of a session that
/// no longer stands (`treatments::cancel_next_session`, re-planning).
fn stale(
    p: &Prompt,
    cancelled_at: Option<NaiveDateTime>,
    moved_at: Option<NaiveDateTime>,
) -> Option<&'static str> {
    if p.cancelled_at.is_some() || p.status == crate::domain::PromptStatus::Cancelled {
        Some("prompt_cancelled")
    } else if cancelled_at.is_some() {
        Some("booking_cancelled")
    } else if matches!((moved_at, p.sent_at), (Some(m), Some(s)) if m > s) {
        Some("booking_moved")
    } else {
        None
    }
}

/// Ends the ladder of follow-ups that must send nothing more (their session no longer stands,
/// their patient can no longer be sent to): `sent`, `last_error` the reason, each only if
/// `worker` still holds its lease; one statement per reason.
pub fn close(
    conn: &mut DbConn,
    worker: &str,
    closing: &[(FollowUpId, &'static str)],
) -> Result<()> {
    let mut reasons: Vec<&str> = closing.iter().map(|(_, r)| *r).collect();
    reasons.sort_unstable();
    reasons.dedup();
    for reason in reasons {
        let ids: Vec<&FollowUpId> = closing
            .iter()
            .filter(|(_, r)| *r == reason)
            .map(|(id, _)| id)
            .collect();
        diesel::update(
            t::table
                .filter(t::id.eq_any(ids))
                .filter(t::lease_owner.eq(worker)),
        )
        .set((
            t::status.eq("sent"),
            t::last_error.eq(reason),
            t::lease_owner.eq(None::<String>),
            t::lease_expires_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Records a group of steps with their attempt logs in one transaction, each only if `worker`
/// still holds its lease; says, in order, which were recorded.
pub fn resolve_group(
    conn: &mut DbConn,
    worker: &str,
    group: &[(FollowUpId, Step, Vec<Attempt>)],
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    super::write_transaction(conn, |conn| {
        let mut owned = Vec::with_capacity(group.len());
        for (id, step, _) in group {
            owned.push(resolve_one(conn, id, worker, step, now)?);
        }
        let kept = group
            .iter()
            .zip(&owned)
            .filter(|(_, owned)| **owned)
            .flat_map(|((_, _, attempts), _)| attempts.iter());
        insert_attempts(conn, kept)?;
        Ok(owned)
    })
}

fn resolve_one(
    conn: &mut DbConn,
    id: &FollowUpId,
    worker: &str,
    step: &Step,
    now: NaiveDateTime,
) -> Result<bool> {
    let owned = t::table
        .filter(t::id.eq(id))
        .filter(t::lease_owner.eq(worker));
    let released = (
        t::lease_owner.eq(None::<String>),
        t::lease_expires_at.eq(None::<NaiveDateTime>),
    );
    let n = match step {
        Step::Sent {
            next: Some(NextRung { rung, available_at }),
        } => diesel::update(owned)
            .set((
                t::status.eq("pending"),
                t::rung.eq(rung),
                t::available_at.eq(available_at),
                t::attempts.eq(0),
                t::last_error.eq(None::<String>),
                t::sent_at.eq(now),
                released,
            ))
            .execute(conn)?,
        Step::Sent { next: None } => diesel::update(owned)
            .set((
                t::status.eq("sent"),
                t::last_error.eq(None::<String>),
                t::sent_at.eq(now),
                released,
            ))
            .execute(conn)?,
        Step::Done => diesel::update(owned)
            .set((t::status.eq("sent"), released))
            .execute(conn)?,
        Step::Retry { at, error } => diesel::update(owned)
            .set((
                t::status.eq("pending"),
                t::available_at.eq(at),
                t::attempts.eq(t::attempts + 1),
                t::last_error.eq(error),
                released,
            ))
            .execute(conn)?,
        Step::Failed { error } => diesel::update(owned)
            .set((
                t::status.eq("failed"),
                t::attempts.eq(t::attempts + 1),
                t::last_error.eq(error),
                released,
            ))
            .execute(conn)?,
        Step::Release => diesel::update(owned)
            .set((t::status.eq("pending"), released))
            .execute(conn)?,
        Step::Defer { at } => diesel::update(owned)
            .set((t::status.eq("pending"), t::available_at.eq(at), released))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// The follow-up of prompt `id`, if it has one (tests, tools).
pub fn for_prompt(conn: &mut DbConn, id: &PromptId) -> Result<Option<FollowUp>> {
    Ok(t::table
        .filter(t::prompt_id.eq(id))
        .select(FollowUp::as_select())
        .first(conn)
        .optional()?)
}
