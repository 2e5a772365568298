//! One prompt's text (SMS): a permit of the sender's shared rate ([`crate::quota::Gate::sms`]),
//! a `pending` record committed BEFORE the provider call, the call, and the record completed
//! AFTER it (`shared::care::sms_sends`). A text cannot be collapsed on the phone and the
//! Messages API has no idempotency key, so the pending record is the crash guard: a prompt with
//! a `pending` or `sent` text is never texted again, and a worker killed between the call and
//! its record repeats no text (the text may have gone; it stays `pending`).
//!
//! The text is the clinic's name, a neutral line and a link to the prompt in the web app
//! (`shared::sms::text::prompt_text`): never the prompt's words. Logs carry ids, the outcome and
//! the segment count, never the number or the text.

use chrono::NaiveDateTime;
use shared::care::outbox::{Prompt, Resolution};
use shared::care::sms_sends::{self, Begun, result_of};
use shared::metrics::EncodingLabels;
use shared::push::PushOutcome;
use shared::sms::{SmsTarget, segments, text, twilio};
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::quota::Permit;

/// What became of one prompt's text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // `Texted::AlreadyTexted` reads as meant at the call sites.
pub(crate) enum Texted {
    /// Texts are not configured: nothing done.
    Off,
    /// The prompt already has a `pending` or `sent` text: nothing sent (at most one text per
    /// prompt; a `pending` one is a text whose worker died before recording the answer).
    AlreadyTexted,
    /// The patient may not be texted at this number now (consent withdrawn or for another
    /// number, texts off, erased, discharged, phone changed since the recipient was read):
    /// nothing sent, nothing recorded; the caller moves on to its next channel.
    Refused,
    /// The text may or may not have gone: its attempt stays `pending` (the request timed out or
    /// failed after it was sent, the provider answered 5xx, or an earlier such attempt exists).
    /// Never texted again, and not counted as sent: the caller moves on to its next channel.
    Unconfirmed,
    /// Nothing sent and nothing recorded: no permit of the sender's rate before the deadline
    /// (`Defer` to when one comes), the worker is stopping or the database did not answer
    /// (`Release`). The prompt's resolution when the text was all it had.
    Unsent(Resolution),
    /// Sent or refused by the provider; its attempt is ALREADY RECORDED (the caller folds the
    /// outcome into the prompt's resolution and adds no attempt for it).
    Done(PushOutcome),
}

/// Texts `prompt` to `to` (see the module notes) unless it was texted before. `None`: not sent
/// (texts not configured, a `pending` or `sent` text exists, no permit before `deadline`, or
/// the database did not answer); `Some(outcome)`: sent or refused, its attempt already
/// recorded — the caller must not add an attempt for it.
#[allow(dead_code)] // The delivery ladder's SMS rung (`crate::channels`) calls it.
pub(crate) async fn send(
    w: &Worker,
    prompt: &Prompt,
    to: &SmsTarget,
    deadline: NaiveDateTime,
) -> Option<PushOutcome> {
    let (_keep, stop) = watch::channel(false);
    match text_prompt(w, prompt, to, deadline, &stop).await {
        Texted::Done(outcome) => Some(outcome),
        Texted::Off
        | Texted::AlreadyTexted
        | Texted::Refused
        | Texted::Unconfirmed
        | Texted::Unsent(_) => None,
    }
}

/// [`send`] with what became of the text in full, and the worker's stop signal (a stopping
/// worker does not wait for a permit).
pub(crate) async fn text_prompt(
    w: &Worker,
    prompt: &Prompt,
    to: &SmsTarget,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
) -> Texted {
    let Some(client) = &w.sms else {
        return Texted::Off;
    };
    if let Some(gate) = &w.sms_gate {
        let started = std::time::Instant::now();
        match gate.acquire(w, deadline, stop).await {
            Permit::Go => w
                .metrics
                .quota_waited("sms", started.elapsed().as_secs_f64()),
            Permit::NotBefore(at) => {
                w.metrics
                    .quota_deferred
                    .get_or_create(&shared::metrics::ChannelLabels {
                        channel: "sms".to_owned(),
                    })
                    .inc();
                return Texted::Unsent(Resolution::Defer { at });
            }
            Permit::Stopped => return Texted::Unsent(Resolution::Release),
        }
    }
    let worker_id = &w.config.worker.worker_id;
    let begun = sms_sends::begin(
        &w.db,
        &prompt.id,
        &prompt.patient_id,
        &to.phone,
        worker_id,
        now(),
    )
    .await;
    let attempt_id = match begun {
        Ok(Begun::Pending(id)) => id,
        Ok(Begun::Sent) => {
            tracing::debug!(prompt_id = %prompt.id, "prompt already texted; not texted again");
            return Texted::AlreadyTexted;
        }
        Ok(Begun::Unconfirmed) => {
            tracing::debug!(prompt_id = %prompt.id, "prompt has a text of unknown fate; not texted again");
            return Texted::Unconfirmed;
        }
        Ok(Begun::Refused) => {
            tracing::info!(prompt_id = %prompt.id, "patient may no longer be texted at this number; not texted");
            return Texted::Refused;
        }
        Err(e) => {
            tracing::warn!(prompt_id = %prompt.id, error = %e, "cannot record the text before sending; prompt handed back unsent");
            return Texted::Unsent(Resolution::Release);
        }
    };
    let link = format!("{}/app/prompts/{}", w.config.public_url, prompt.id);
    let body = text::prompt_text(&to.clinic_name, prompt.locale, &link);
    let size = segments::count(&body);
    let outcome = w.timed("sms", client.send(&to.phone, &body)).await;
    if let (Some(after), Some(gate)) = (twilio::throttled(&outcome), &w.sms_gate) {
        gate.throttled(w, after).await;
    }
    if unknown_fate(&outcome) {
        // The text may have gone: the attempt stays `pending`, so it is never sent again.
        w.metrics.delivery("sms", "pending");
        tracing::warn!(prompt_id = %prompt.id, attempt_id, "text request ended without a clear answer; left pending, not texted again");
        return Texted::Unconfirmed;
    }
    let result = result_of(&outcome);
    let label = result.outcome;
    match sms_sends::finish(&w.db, &attempt_id, result, now()).await {
        Ok(_) => {}
        // The attempt stays `pending`: the prompt is not texted again.
        Err(e) => {
            tracing::warn!(prompt_id = %prompt.id, attempt_id, error = %e, "text sent but its outcome not recorded")
        }
    }
    if matches!(&outcome, PushOutcome::Failed { reason, .. } if reason == "recipient_opted_out") {
        opted_out(w, prompt).await;
    }
    w.metrics.delivery("sms", label.as_str());
    if matches!(outcome, PushOutcome::Sent { .. }) {
        w.metrics
            .sms_segments
            .get_or_create(&EncodingLabels {
                encoding: size.encoding.as_str().to_owned(),
            })
            .inc_by(u64::from(size.segments));
    }
    if let PushOutcome::Misconfigured { status, reason } = &outcome {
        if w.metrics.push_config_error("sms", reason) {
            tracing::error!(
                provider = "sms",
                reason,
                status,
                "SMS provider refused our settings, not the number: check AFTERCARE_SMS_ACCOUNT_SID, AFTERCARE_SMS_AUTH_TOKEN and the sender"
            );
        }
    }
    tracing::debug!(
        prompt_id = %prompt.id,
        attempt_id,
        outcome = label.as_str(),
        segments = size.segments,
        encoding = size.encoding.as_str(),
        "text attempt"
    );
    Texted::Done(outcome)
}

/// Whether a text's request may have reached the provider without a clear answer: a timeout or
/// a failure after the request left (anything but a connect error: `reqwest::Error::is_connect`,
/// which covers DNS), or a 5xx. Only a request that certainly did not leave, or a provider
/// answer that it was not accepted (4xx, 429), may be retried: the Messages API has no
/// idempotency key, so a retry after an unknown end could text twice.
fn unknown_fate(outcome: &PushOutcome) -> bool {
    match outcome {
        PushOutcome::Retry {
            status: None,
            reason,
            ..
        } => reason != "connect",
        PushOutcome::Retry {
            status: Some(s), ..
        }
        | PushOutcome::Failed {
            status: Some(s), ..
        } => *s >= 500,
        PushOutcome::Failed { status: None, .. } => true,
        _ => false,
    }
}

/// The provider refused the text because the recipient texted STOP to it (Twilio error 21610):
/// the patient's consent is withdrawn (source patient, method keyword), as a STOP received by
/// the webhook does, so the app and the console show it and no text is tried again.
async fn opted_out(w: &Worker, prompt: &Prompt) {
    use shared::care::sms::{CONSENT_TEXT_VERSION, ConsentChange, record_consent};
    use shared::domain::{ConsentMethod, ConsentSource};
    let change = ConsentChange {
        clinic_id: prompt.clinic_id.clone(),
        patient_id: prompt.patient_id.clone(),
        granted: false,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        source: ConsentSource::Patient,
        method: ConsentMethod::Keyword,
        recorded_by: None,
    };
    if let Err(e) = record_consent(&w.db, change, now()).await {
        tracing::warn!(prompt_id = %prompt.id, error = %e, "recipient opted out at the provider; consent withdrawal not recorded");
    }
}
