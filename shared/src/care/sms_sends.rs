//! The worker's record of each text (SMS) it sends for a prompt, before and after the provider
//! call (`crate::db::sms_sends`): a prompt is texted at most once, even when a worker is killed
//! between the call and its record.

use chrono::NaiveDateTime;

use super::Db;
use crate::db::sms_sends;
use crate::domain::{DeliveryOutcome, PatientId, PromptId};
use crate::error::Result;
use crate::push::PushOutcome;

pub use crate::db::sms_sends::{Begun, SmsResult};

/// Writes (and commits) a `pending` text attempt for `prompt_id` of `patient_id` to `phone`
/// (E.164) by `worker_id` before the provider is called ([`Begun::Pending`]), unless the prompt
/// already has a `pending` or `sent` text or the patient may not be texted at `phone` now
/// (consent, switch, erasure, discharge, phone on file: `crate::db::sms_sends::begin`); nothing
/// is written then, and nothing must be sent. Race-safe between workers on both backends.
///
/// # Errors
/// A database error (`Unavailable` when no connection came free); nothing is written then.
pub async fn begin(
    db: &Db,
    prompt_id: &PromptId,
    patient_id: &PatientId,
    phone: &str,
    worker_id: &str,
    now: NaiveDateTime,
) -> Result<Begun> {
    let (prompt_id, patient_id) = (prompt_id.clone(), patient_id.clone());
    let (phone, worker_id) = (phone.to_owned(), worker_id.to_owned());
    db.run(move |c| sms_sends::begin(c, &prompt_id, &patient_id, &phone, &worker_id, now))
        .await
}

/// Completes the pending attempt `attempt_id` with the provider's answer (outcome, HTTP status,
/// reason, `MessageSid`); `false` when it was no longer pending.
///
/// # Errors
/// A database error; the attempt then stays `pending` (so the prompt is not texted again).
pub async fn finish(
    db: &Db,
    attempt_id: &str,
    result: SmsResult,
    now: NaiveDateTime,
) -> Result<bool> {
    let attempt_id = attempt_id.to_owned();
    db.run(move |c| sms_sends::finish(c, &attempt_id, &result, now))
        .await
}

/// The record of a provider's answer: `Misconfigured` is recorded `failed`, as for push.
pub fn result_of(outcome: &PushOutcome) -> SmsResult {
    let (outcome, status, error, provider_id) = match outcome {
        PushOutcome::Sent { provider_id } => {
            (DeliveryOutcome::Sent, None, None, provider_id.clone())
        }
        PushOutcome::InvalidToken { status, reason } => (
            DeliveryOutcome::InvalidToken,
            Some(*status),
            Some(reason.clone()),
            None,
        ),
        PushOutcome::Retry { status, reason, .. } => {
            (DeliveryOutcome::Retry, *status, Some(reason.clone()), None)
        }
        PushOutcome::Failed { status, reason } | PushOutcome::Misconfigured { status, reason } => {
            (DeliveryOutcome::Failed, *status, Some(reason.clone()), None)
        }
    };
    SmsResult {
        outcome,
        status_code: status.map(i32::from),
        error,
        provider_id,
    }
}
