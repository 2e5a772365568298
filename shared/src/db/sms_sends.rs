//! The record of each text (SMS) a prompt sends: a `delivery_attempts` row of channel `sms`,
//! written `pending` before the provider is called and completed after.
//!
//! A text cannot be collapsed or replaced on the phone, and the Messages API has no idempotency
//! key, so the record before the call is the guard: while a prompt has a `pending` or `sent`
//! text, no other text is begun for it. A crash between the provider's answer and its record
//! leaves the row `pending` for good: the text may have gone, so it is never sent again (at
//! most once, rather than at least once).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::deliveries::Attempt;
use super::schema::delivery_attempts as da;
use super::{DbConn, new_id, write_transaction};
use crate::domain::phone::E164;
use crate::domain::{DeliveryChannel, DeliveryOutcome, PatientId, PromptId};
use crate::error::Result;

/// How a text's request ended, for [`finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsResult {
    /// `sent`, `retry`, `invalid_token` or `failed` (never `pending`).
    pub outcome: DeliveryOutcome,
    /// The provider's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// The reason of a refusal (a code such as `twilio_21211`, never the provider's message).
    pub error: Option<String>,
    /// The provider's message id (Twilio `MessageSid`), when it accepted the text.
    pub provider_id: Option<String>,
}

/// What [`begin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// A `pending` attempt was written (its id): the text may be sent now.
    Pending(String),
    /// The prompt already has a `sent` text: nothing written, nothing to send.
    Sent,
    /// The prompt already has a `pending` text whose fate is unknown (a worker died, or the
    /// request timed out or the provider failed after it was sent): nothing written, and no
    /// text is sent again; the text is not confirmed either.
    Unconfirmed,
    /// The patient may not be texted at this number now (consent withdrawn or given for another
    /// number, texts switched off, erased, discharged, or the phone on file changed): nothing
    /// written, nothing to send.
    Refused,
}

/// Writes a `pending` text attempt for `prompt_id` (of `patient_id`, to be texted at `phone`, in
/// E.164) by `worker_id`, unless the prompt already has a `pending` or `sent` one, or the
/// patient may not be texted at `phone` now: a granted consent in force given for the phone on
/// file (`crate::db::sms::grant_holds`; CTIA Messaging Principles), texts switched on
/// (`sms_enabled`), not erased, not discharged, and `phone` is the phone on file. Checked in
/// the same transaction as the write, right before the provider is called (the worker's read
/// of the recipient may be older than the wait for a permit of the sender's rate).
///
/// Race-safe on both backends in one write transaction: on PostgreSQL the prompt's row is locked
/// first (`SELECT … FOR UPDATE`), so two workers beginning a text for one prompt take turns and
/// the second sees the first's row; on SQLite the transaction holds the write lock from its
/// start (`BEGIN IMMEDIATE`).
///
/// # Errors
/// A database error; nothing is written then.
pub fn begin(
    conn: &mut DbConn,
    prompt_id: &PromptId,
    patient_id: &PatientId,
    phone: &str,
    worker_id: &str,
    now: NaiveDateTime,
) -> Result<Begun> {
    write_transaction(conn, |conn| {
        if let DbConn::Pg(pg) = conn {
            diesel::sql_query("SELECT id FROM prompts WHERE id = $1 FOR UPDATE")
                .bind::<Text, _>(prompt_id.as_str())
                .execute(pg)?;
        }
        if !may_text(conn, patient_id, phone)? {
            return Ok(Begun::Refused);
        }
        let existing: Vec<DeliveryOutcome> = da::table
            .filter(da::prompt_id.eq(prompt_id))
            .filter(da::channel.eq(DeliveryChannel::Sms))
            .filter(da::outcome.eq_any([DeliveryOutcome::Pending, DeliveryOutcome::Sent]))
            .select(da::outcome)
            .load(conn)?;
        if existing.contains(&DeliveryOutcome::Sent) {
            return Ok(Begun::Sent);
        }
        if !existing.is_empty() {
            return Ok(Begun::Unconfirmed);
        }
        let attempt = Attempt {
            id: new_id(),
            prompt_id: prompt_id.clone(),
            device_id: None,
            channel: DeliveryChannel::Sms,
            outcome: DeliveryOutcome::Pending,
            status_code: None,
            error: None,
            provider_id: None,
            worker_id: worker_id.to_owned(),
            attempted_at: now,
        };
        diesel::insert_into(da::table)
            .values(&attempt)
            .execute(conn)?;
        Ok(Begun::Pending(attempt.id))
    })
}

/// Whether `patient_id` may be texted at `phone` now (see [`begin`]).
fn may_text(conn: &mut DbConn, patient_id: &PatientId, phone: &str) -> Result<bool> {
    use super::schema::patient_profiles as pp;
    type Row = (
        Option<String>,
        bool,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let row: Option<Row> = pp::table
        .filter(pp::user_id.eq(patient_id))
        .select((pp::phone, pp::sms_enabled, pp::erased_at, pp::discharged_at))
        .first(conn)
        .optional()?;
    let Some((Some(on_file), true, None, None)) = row else {
        return Ok(false);
    };
    if E164::parse(&on_file).ok().as_ref().map(E164::as_str) != Some(phone) {
        return Ok(false);
    }
    Ok(super::sms::latest_consent(conn, patient_id)?
        .is_some_and(|row| super::sms::grant_holds(&row, Some(&on_file))))
}

/// Completes the `pending` text attempt `attempt_id` with the provider's answer, at `now` (its
/// `attempted_at` becomes the time of the answer). Returns `false` when no such pending attempt
/// exists (already completed: nothing written).
///
/// # Errors
/// A database error.
pub fn finish(
    conn: &mut DbConn,
    attempt_id: &str,
    result: &SmsResult,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        da::table
            .filter(da::id.eq(attempt_id))
            .filter(da::outcome.eq(DeliveryOutcome::Pending)),
    )
    .set((
        da::outcome.eq(result.outcome),
        da::status_code.eq(result.status_code),
        da::error.eq(&result.error),
        da::provider_id.eq(&result.provider_id),
        da::attempted_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
