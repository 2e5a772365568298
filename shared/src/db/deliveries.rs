//! Delivery outcomes: attempt records, retries with backoff, dead letters.
//!
//! Every outcome is written by the worker that holds the prompt's lease, and only while it holds
//! it: a worker whose lease expired (and whose prompt another worker re-claimed) changes nothing,
//! not even the attempt log, so the prompt has exactly one recorded history.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;

use super::DbConn;
use super::schema::{delivery_attempts, prompts};
use crate::domain::{DeliveryChannel, DeliveryOutcome, PromptStatus};
use crate::domain::{DeviceId, PromptId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_attempts)]
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
    /// Back to the queue now without counting an attempt (nothing was sent: stopping, or the
    /// lease is too short to finish a send).
    Release,
}

/// Applies `resolution` to the prompt and appends `attempts`, in one transaction, if `worker`
/// still holds the lease. Returns `false` (and writes nothing) when it no longer does.
pub fn resolve(
    conn: &mut DbConn,
    prompt_id: &PromptId,
    worker: &str,
    resolution: &Resolution,
    attempts: &[Attempt],
    now: NaiveDateTime,
) -> Result<bool> {
    super::write_transaction(conn, |conn| {
        let owned = prompts::table
            .filter(prompts::id.eq(prompt_id))
            .filter(prompts::status.eq(PromptStatus::Sending))
            .filter(prompts::lease_owner.eq(worker));
        let released = (
            prompts::lease_owner.eq(None::<String>),
            prompts::lease_expires_at.eq(None::<NaiveDateTime>),
            prompts::updated_at.eq(now),
        );
        let n = match resolution {
            // Acknowledged in the app while it was being sent: delivered and read.
            Resolution::Sent { channel } => diesel::update(owned)
                .set((
                    prompts::status.eq(diesel::dsl::case_when::<_, _, diesel::sql_types::Text>(
                        prompts::acknowledged_at.is_null(),
                        PromptStatus::Sent,
                    )
                    .otherwise(PromptStatus::Acknowledged)),
                    prompts::channel.eq(*channel),
                    prompts::sent_at.eq(now),
                    prompts::last_error.eq(None::<String>),
                    prompts::attempts.eq(prompts::attempts + 1),
                    released,
                ))
                .execute(conn)?,
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
            Resolution::Release => diesel::update(owned)
                .set((prompts::status.eq(PromptStatus::Scheduled), released))
                .execute(conn)?,
        };
        if n == 0 {
            return Ok(false);
        }
        for a in attempts {
            diesel::insert_into(delivery_attempts::table)
                .values(a)
                .execute(conn)?;
        }
        Ok(true)
    })
}

pub fn for_prompt(conn: &mut DbConn, prompt_id: &PromptId) -> Result<Vec<Attempt>> {
    Ok(delivery_attempts::table
        .filter(delivery_attempts::prompt_id.eq(prompt_id))
        .order(delivery_attempts::attempted_at.asc())
        .select(Attempt::as_select())
        .load(conn)?)
}

/// Deletes attempt records older than `before`; returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(delivery_attempts::table.filter(delivery_attempts::attempted_at.lt(before)))
            .execute(conn)?,
    )
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
