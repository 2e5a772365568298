//! The delivery ladder's follow-ups: the third kind of the outbox ([`crate::outbox`]), after the
//! prompts and the clinic alerts. An important prompt sent on one rung with a later one
//! available has a follow-up row (written with the send, `shared::care::outbox::record_prompts`)
//! due at the end of its acknowledgement window; when it comes due, a prompt acknowledged by
//! then gets nothing more, and any other the next available rung ([`crate::channels::rungs`]),
//! then the next follow-up or the end of the ladder. Quiet hours move a follow-up of a prompt
//! that is not urgent to their end. Every step is a `delivery_attempts` row (a text's is written
//! by [`crate::sms`] itself), recorded with the step in one transaction guarded by the lease.
//!
//! A send holds its slot until its step is written, as the clinic alerts do, so a worker killed
//! in between repeats at most [`WINDOW`] steps; a text is never repeated (its pending record,
//! [`crate::sms`]), a push carries the prompt's idempotency key and an email its `Message-ID`.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use shared::care::delivery::Recipient;
use shared::care::outbox::{self, Attempt, FOLLOW_UPS, FollowUp, Prompt, Queue, Step};
use shared::domain::FollowUpId;
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::channels::{Reach, rungs};
use crate::outbox::{Finished, Kind};

/// Follow-ups sent at the same time.
pub const WINDOW: usize = 16;

/// Follow-ups read (with their prompts and recipients) in one trip.
const READ_WINDOW: usize = 256;

/// As for prompts (`crate::dispatch`): past this since the window read, the acknowledgement is
/// read again before a send.
const ACK_RECHECK_AFTER: std::time::Duration = std::time::Duration::from_millis(200);

/// The follow-up outbox.
pub struct FollowUps;

/// What became of one follow-up, as the recorder writes it.
pub struct Climb {
    id: FollowUpId,
    step: Step,
    attempts: Vec<Attempt>,
}

impl Kind for FollowUps {
    const QUEUE: Queue = FOLLOW_UPS;
    const NOUN: &'static str = "follow-up";
    const SLOT_UNTIL_RECORDED: bool = true;
    type Id = FollowUpId;
    type Item = (FollowUp, Prompt, Recipient, Instant);
    type Outcome = Climb;
    type Summary = (FollowUpId, &'static str);

    fn window(_: &Worker) -> usize {
        WINDOW
    }

    fn read_window(_: &Worker) -> usize {
        READ_WINDOW
    }

    fn claimed(_: &Worker, _: usize) {}

    fn progressed(w: &Worker) {
        w.health.beat();
    }

    async fn read(w: &Worker, ids: Vec<FollowUpId>) -> shared::Result<Vec<Self::Item>> {
        let rows = outbox::follow_up_window(&w.db, &w.config.worker.worker_id, ids).await?;
        let read_at = Instant::now();
        Ok(rows
            .into_iter()
            .map(|(f, p, r)| (f, p, r, read_at))
            .collect())
    }

    async fn send(
        w: &Worker,
        (f, prompt, to, read_at): Self::Item,
        stop: &watch::Receiver<bool>,
    ) -> Finished<Climb> {
        let (due_at, lease_expires_at) = (f.available_at, f.lease_expires_at);
        let (step, attempts) = step(w, &f, &prompt, to, read_at, stop).await;
        Finished {
            outcome: Climb {
                id: f.id,
                step,
                attempts,
            },
            due_at,
            lease_expires_at,
        }
    }

    fn summarize(c: &Climb) -> Self::Summary {
        let label = match c.step {
            Step::Sent { next: Some(_) } => "sent",
            Step::Sent { next: None } => "sent_last",
            Step::Done => "done",
            Step::Retry { .. } => "retry",
            Step::Failed { .. } => "failed",
            Step::Release => "released",
            Step::Defer { .. } => "deferred",
        };
        (c.id.clone(), label)
    }

    async fn record(w: &Worker, group: Arc<Vec<Climb>>) -> shared::Result<Vec<bool>> {
        // A group is at most `WINDOW` steps: copying them is nothing beside the write.
        let group: Vec<_> = group
            .iter()
            .map(|c| (c.id.clone(), c.step.clone(), c.attempts.clone()))
            .collect();
        outbox::record_follow_ups(&w.db, &w.config.worker.worker_id, Arc::new(group), now()).await
    }

    fn recorded(
        _: &Worker,
        (id, label): &Self::Summary,
        _: NaiveDateTime,
        owned: bool,
        _: NaiveDateTime,
    ) -> bool {
        if owned {
            tracing::debug!(follow_up_id = %id, step = label, "follow-up resolved");
        } else {
            tracing::warn!(follow_up_id = %id, step = label, "lease lost before recording; outcome dropped");
        }
        *label != "released" && *label != "deferred"
    }
}

/// Claims and sends due follow-ups until nothing is due or `stop` is set. Returns how many were
/// resolved.
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> shared::Result<usize> {
    crate::outbox::drain::<FollowUps>(w, stop).await
}

/// When the earliest pending follow-up becomes due (UTC).
pub async fn next_due(w: &Worker) -> shared::Result<Option<NaiveDateTime>> {
    crate::outbox::next_due::<FollowUps>(w).await
}

/// Returns follow-ups with expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> shared::Result<usize> {
    crate::outbox::recover_leases::<FollowUps>(w).await
}

async fn step(
    w: &Worker,
    f: &FollowUp,
    prompt: &Prompt,
    to: Recipient,
    read_at: Instant,
    stop: &watch::Receiver<bool>,
) -> (Step, Vec<Attempt>) {
    let nothing = |step| (step, Vec::new());
    // Stopping, or too little lease left to finish a send before another worker may take the
    // row: hand it back unsent rather than risk two live sends.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let deadline = match f.lease_expires_at {
        Some(expires) if !*stop.borrow() && expires - now() >= margin => expires - margin,
        _ => return nothing(Step::Release),
    };
    let reach = match Reach::of(to) {
        Ok(reach) => reach,
        // Acknowledged: the ladder stops here.
        Err(shared::care::outbox::Resolution::Acknowledged) => return nothing(Step::Done),
        Err(shared::care::outbox::Resolution::Cancelled { reason }) => {
            return nothing(Step::Failed { error: reason });
        }
        Err(_) => return nothing(Step::Release),
    };
    if read_at.elapsed() > ACK_RECHECK_AFTER {
        match outbox::acknowledged(&w.db, &prompt.id).await {
            Ok(true) => return nothing(Step::Done),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(follow_up_id = %f.id, error = %e, "cannot re-check the acknowledgement; follow-up handed back unsent");
                return nothing(Step::Release);
            }
        }
    }
    rungs::follow_up(w, f, prompt, &reach, deadline, stop).await
}
