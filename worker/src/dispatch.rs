//! Dispatch: the prompts' kind of the outbox ([`crate::outbox`]). A window is the leased prompts
//! and who each goes to (`shared::care::outbox::prompt_window`, four queries); a send takes the
//! shared FCM permits it needs ([`crate::quota`]) and goes out on every channel that applies
//! ([`crate::channels`]); a group's outcomes and attempt logs are one transaction
//! (`shared::care::outbox::record_prompts`: one `UPDATE … FROM (VALUES …)` for the delivered).
//!
//! A crash repeats at most 3 × `AFTERCARE_SENDS_IN_FLIGHT` prompts (see [`crate::outbox`]), and
//! every repeat carries the prompt's idempotency key, which the phone uses to replace the first
//! notification.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use shared::care::delivery::Recipient;
use shared::care::outbox::{self, Outcome, PROMPTS, Prompt, Queue, Resolution};
use shared::domain::{DeliveryChannel, PromptId};
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::outbox::{Finished, Kind};
use crate::{channels, quota};

/// The prompt outbox.
pub struct Prompts;

/// The fewest leased prompts read in one trip: a small send window must not turn the reads into
/// one trip per few prompts. What a worker holds in memory follows this and the send window,
/// whatever the batch size.
const READ_WINDOW_MIN: usize = 256;

/// How stale the window's reading of a prompt's acknowledgement may be when its send starts.
/// Past this (the prompt waited behind slow sends or for FCM permits) the acknowledgement is
/// read again by primary key first; below it the send goes on the window's reading, as a send
/// racing an acknowledgement always could (about one provider round trip). A re-read for every
/// prompt costs a query per send: 0.039 → 1.009 commits per prompt and 5,979 → 3,731 prompts/s
/// in the drain bench (BENCHMARKS.md).
const ACK_RECHECK_AFTER: std::time::Duration = std::time::Duration::from_millis(200);

impl Kind for Prompts {
    const QUEUE: Queue = PROMPTS;
    const NOUN: &'static str = "prompt";
    const SLOT_UNTIL_RECORDED: bool = false;
    type Id = PromptId;
    /// The prompt, who it goes to, and when the window read them.
    type Item = (Prompt, Recipient, Instant);
    type Outcome = Outcome;
    type Summary = (PromptId, &'static str, Option<DeliveryChannel>);

    fn window(w: &Worker) -> usize {
        w.config.worker.sends_in_flight
    }

    fn read_window(w: &Worker) -> usize {
        w.config.worker.sends_in_flight.max(READ_WINDOW_MIN)
    }

    fn claimed(w: &Worker, n: usize) {
        w.metrics.prompts_claimed.inc_by(n as u64);
        // A claim that went through, even an empty one, is the loop's proof of life.
        w.health.beat();
    }

    fn progressed(w: &Worker) {
        w.health.beat();
    }

    async fn read(
        w: &Worker,
        ids: Vec<PromptId>,
    ) -> shared::Result<Vec<(Prompt, Recipient, Instant)>> {
        let (prompts, recipients) =
            outbox::prompt_window(&w.db, &w.config.worker.worker_id, ids).await?;
        let read_at = Instant::now();
        Ok(prompts
            .into_iter()
            .zip(recipients)
            .map(|(p, r)| (p, r, read_at))
            .collect())
    }

    async fn send(
        w: &Worker,
        (prompt, to, read_at): (Prompt, Recipient, Instant),
        stop: &watch::Receiver<bool>,
    ) -> Finished<Outcome> {
        let (due_at, lease_expires_at) = (prompt.due_at, prompt.lease_expires_at);
        Finished {
            outcome: send_one(w, prompt, to, read_at, stop).await,
            due_at,
            lease_expires_at,
        }
    }

    fn summarize(o: &Outcome) -> Self::Summary {
        let channel = match o.resolution {
            Resolution::Sent { channel } => Some(channel),
            _ => None,
        };
        (o.prompt_id.clone(), label(&o.resolution), channel)
    }

    async fn record(w: &Worker, group: Arc<Vec<Outcome>>) -> shared::Result<Vec<bool>> {
        outbox::record_prompts(&w.db, &w.config.worker.worker_id, group, now()).await
    }

    fn recorded(
        w: &Worker,
        (prompt_id, resolution, channel): &Self::Summary,
        due_at: NaiveDateTime,
        owned: bool,
        written_at: NaiveDateTime,
    ) -> bool {
        if owned {
            let late = (written_at - due_at).num_milliseconds() as f64 / 1000.0;
            if let Some(channel) = channel {
                w.metrics.delivered_late(channel.as_str(), late);
            }
            tracing::debug!(prompt_id = %prompt_id, resolution, late, "prompt resolved");
        } else {
            // Our lease expired and another worker re-claimed the prompt; its record stands.
            tracing::warn!(prompt_id = %prompt_id, resolution, "lease lost before recording; outcome dropped");
        }
        *resolution != "released" && *resolution != "deferred"
    }
}

/// Claims and sends prompts until nothing is due or `stop` is set. Returns how many were
/// resolved (sent, retried, failed or cancelled).
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> shared::Result<usize> {
    w.metrics.dispatch_ticks.inc();
    crate::outbox::drain::<Prompts>(w, stop).await
}

/// When the earliest scheduled prompt becomes due (UTC).
pub async fn next_due(w: &Worker) -> shared::Result<Option<NaiveDateTime>> {
    crate::outbox::next_due::<Prompts>(w).await
}

/// Returns prompts with expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> shared::Result<usize> {
    crate::outbox::recover_leases::<Prompts>(w).await
}

async fn send_one(
    w: &Worker,
    prompt: Prompt,
    to: Recipient,
    read_at: Instant,
    stop: &watch::Receiver<bool>,
) -> Outcome {
    let unsent = |prompt_id, resolution| Outcome {
        prompt_id,
        resolution,
        attempts: Vec::new(),
        follow_up: None,
    };
    // Stopping, or too little lease left to finish a send before another worker may take the
    // prompt (it waited for a slot): hand it back unsent rather than risk two live sends.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let lease_left = prompt.lease_expires_at.map(|t| t - now());
    let deadline = match prompt.lease_expires_at {
        Some(expires) if !*stop.borrow() && lease_left.is_some_and(|left| left >= margin) => {
            expires - margin
        }
        _ => return unsent(prompt.id, Resolution::Release),
    };
    // Every FCM permit the prompt needs is taken before any of its sends start, so a prompt
    // that must wait past its lease goes back unsent rather than half sent.
    let fcm_sends = if w.push.fcm.is_some() {
        to.fcm_devices()
    } else {
        0
    };
    if let Err(resolution) = quota::permits(w, fcm_sends, deadline, stop).await {
        return unsent(prompt.id, resolution);
    }
    // Acknowledged in the app since the window was read (while the prompt waited for a slot
    // or for permits): seen, so not sent.
    if !matches!(to, Recipient::Seen) && read_at.elapsed() > ACK_RECHECK_AFTER {
        match outbox::acknowledged(&w.db, &prompt.id).await {
            Ok(true) => return unsent(prompt.id, Resolution::Acknowledged),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(prompt_id = %prompt.id, error = %e, "cannot re-check the acknowledgement; prompt handed back unsent");
                return unsent(prompt.id, Resolution::Release);
            }
        }
    }
    let delivery = channels::send(w, &prompt, to, deadline, stop).await;
    Outcome {
        prompt_id: prompt.id,
        resolution: delivery.resolution,
        attempts: delivery.attempts,
        follow_up: delivery.follow_up,
    }
}

fn label(r: &Resolution) -> &'static str {
    match r {
        Resolution::Sent { .. } => "sent",
        Resolution::Retry { .. } => "retry",
        Resolution::Failed { .. } => "failed",
        Resolution::Cancelled { .. } => "cancelled",
        Resolution::Acknowledged => "acknowledged",
        Resolution::Release => "released",
        Resolution::Defer { .. } => "deferred",
    }
}
