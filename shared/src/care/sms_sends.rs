//! The worker's record of each text (SMS) it sends for a prompt, before and after the provider
//! call (`crate::db::sms_sends`): a prompt is texted at most once, even when a worker is killed
//! between the call and its record.

use chrono::NaiveDateTime;

use super::Db;
use crate::db::sms_sends;
use crate::domain::{DeliveryOutcome, PatientId, PromptId};
use crate::error::Result;
use crate::push::PushOutcome;
use crate::sms::SmsTarget;

pub use crate::db::sms_sends::SmsResult;

/// Writes (and commits) a `pending` text attempt for `prompt_id` by `worker_id` before the
/// provider is called; `None` when the prompt already has a `pending` or `sent` text (nothing is
/// written, and nothing must be sent). Race-safe between workers on both backends.
///
/// # Errors
/// A database error (`Unavailable` when no connection came free); nothing is written then.
pub async fn begin(
    db: &Db,
    prompt_id: &PromptId,
    worker_id: &str,
    now: NaiveDateTime,
) -> Result<Option<String>> {
    let (prompt_id, worker_id) = (prompt_id.clone(), worker_id.to_owned());
    db.run(move |c| sms_sends::begin(c, &prompt_id, &worker_id, now))
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

/// Where a prompt of `patient_id` may be texted (`crate::db::sms_sends::target`: the patient's
/// switch on, a granted consent in force, a valid E.164 phone), or `None`. One read for one
/// patient: the worker's window read carries the same for every prompt it reads once the
/// delivery ladder builds it (`Recipient::Send.sms`).
///
/// # Errors
/// A database error.
pub async fn target(db: &Db, patient_id: &PatientId) -> Result<Option<SmsTarget>> {
    let patient_id = patient_id.clone();
    db.run(move |c| sms_sends::target(c, &patient_id)).await
}
