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
use crate::domain::{DeliveryChannel, DeliveryOutcome, PatientId, PromptId};
use crate::error::Result;
use crate::sms::SmsTarget;

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

/// Writes a `pending` text attempt for `prompt_id` by `worker_id`, unless the prompt already
/// has a `pending` or `sent` one; returns the new attempt's id, or `None` (nothing written).
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
    worker_id: &str,
    now: NaiveDateTime,
) -> Result<Option<String>> {
    write_transaction(conn, |conn| {
        if let DbConn::Pg(pg) = conn {
            diesel::sql_query("SELECT id FROM prompts WHERE id = $1 FOR UPDATE")
                .bind::<Text, _>(prompt_id.as_str())
                .execute(pg)?;
        }
        let existing: Option<String> = da::table
            .filter(da::prompt_id.eq(prompt_id))
            .filter(da::channel.eq(DeliveryChannel::Sms))
            .filter(da::outcome.eq_any([DeliveryOutcome::Pending, DeliveryOutcome::Sent]))
            .select(da::id)
            .first(conn)
            .optional()?;
        if existing.is_some() {
            return Ok(None);
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
        Ok(Some(attempt.id))
    })
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

/// The number and clinic name a prompt of `patient_id` may be texted to: `None` unless the
/// patient's own switch is on (`sms_enabled`), the newest consent record is a grant
/// (`sms_consents`), and the stored phone is a valid number in international form (returned in
/// E.164). Not erased, not discharged is the caller's (the recipient rules).
///
/// # Errors
/// A database error.
pub fn target(conn: &mut DbConn, patient_id: &PatientId) -> Result<Option<SmsTarget>> {
    use super::schema::{clinics, patient_profiles as pp, sms_consents as sc};
    let row: Option<(Option<String>, bool, String)> = pp::table
        .inner_join(clinics::table.on(clinics::id.eq(pp::clinic_id)))
        .filter(pp::user_id.eq(patient_id))
        .select((pp::phone, pp::sms_enabled, clinics::name))
        .first(conn)
        .optional()?;
    let Some((Some(phone), true, clinic_name)) = row else {
        return Ok(None);
    };
    let granted: Option<bool> = sc::table
        .filter(sc::patient_id.eq(patient_id))
        .order((sc::created_at.desc(), sc::id.desc()))
        .select(sc::granted)
        .first(conn)
        .optional()?;
    if granted != Some(true) {
        return Ok(None);
    }
    Ok(e164(&phone).map(|phone| SmsTarget { phone, clinic_name }))
}

/// `raw` in E.164 when it is a valid number written with its country code.
fn e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw
        .strip_prefix("00")
        .map(|r| format!("+{r}"))
        .unwrap_or(raw.to_owned());
    if !raw.starts_with('+') {
        return None;
    }
    let number = phonenumber::parse(None, &raw).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}
