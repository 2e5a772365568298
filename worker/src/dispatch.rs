//! Dispatch: a pipeline from the queue to the providers and back.
//!
//! 1. **Claim** a batch of due prompts (a lease, committed before any network I/O, so a slow
//!    provider never holds locks; the claim returns ids only), then read the prompts and their
//!    recipients a window at a time, one trip per window. Claims the drain will not reach (it
//!    stops, or a read fails) are handed back at once, not left to their lease.
//! 2. **Send** with at most `AFTERCARE_SENDS_IN_FLIGHT` prompts in flight; a prompt waits for a
//!    free slot, not for its batch, and the next batch is claimed while the last sends of this
//!    one are still out. Memory is bounded by the windows (the read window, the send window and
//!    the recorder's queue), not the batch size: a batch costs only its ids.
//! 3. **Record** outcomes in groups ([`recorder`]): whatever finished while the previous group
//!    was committing goes into the next one, so a busy drain commits once per group, not once
//!    per prompt. Each outcome is still guarded by its own lease.
//!
//! A crash repeats at most the prompts in flight plus those finished but not yet committed
//! (the send window, the recorder's queue and the group being written: 3 × the send window;
//! prompts read but not yet sent were never sent, so they are not repeats), and every repeat
//! carries the prompt's idempotency key, which the phone uses to replace the first
//! notification.

use std::sync::Arc;

use chrono::Duration;
use shared::db::deliveries::{Outcome, Resolution};
use shared::db::prompts::{self, Prompt};
use shared::domain::PromptId;
use shared::time::now;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::Worker;
use crate::channels::{self, Recipient};
use crate::quota;

mod recorder;

use recorder::Finished;

/// Claims and sends batches until nothing is due or `stop` is set. Returns how many prompts
/// were resolved (sent, retried, failed or cancelled).
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> Result<usize, shared::Error> {
    w.metrics.dispatch_ticks.inc();
    let in_flight_max = w.config.worker.sends_in_flight;
    let (outcomes, recorded) = recorder::start(w.clone(), in_flight_max, stop.clone());
    let window = Arc::new(Semaphore::new(in_flight_max));
    let mut in_flight = JoinSet::new();
    let claimed = feed(w, stop, &outcomes, &window, &mut in_flight).await;
    while let Some(done) = in_flight.join_next().await {
        reap(w, done);
    }
    drop(outcomes);
    let resolved = recorded.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "outcome recorder stopped");
        0
    });
    claimed.map(|()| resolved)
}

/// Claims batches and starts their sends until the queue runs dry, `stop` is set, or the
/// database fails (what is in flight still finishes and is recorded).
async fn feed(
    w: &Worker,
    stop: &watch::Receiver<bool>,
    outcomes: &mpsc::Sender<Finished>,
    window: &Arc<Semaphore>,
    in_flight: &mut JoinSet<()>,
) -> Result<(), shared::Error> {
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let batch = claim(w).await?;
        // A claim that went through, even an empty one, is the loop's proof of life.
        w.health.beat();
        let claimed = batch.len();
        let mut start = 0;
        while start < claimed {
            // Claims this drain will not reach (it is stopping, or cannot read them) go back to
            // the queue at once rather than wait out their lease.
            let rest = &batch[start..];
            if *stop.borrow() {
                hand_back(w, rest).await;
                return Ok(());
            }
            let ids = &rest[..rest.len().min(read_window(w))];
            let (prompts, recipients) = match read(w, ids, stop).await {
                Ok(read) => read,
                Err(e) => {
                    hand_back(w, rest).await;
                    return Err(e);
                }
            };
            start += ids.len();
            for (prompt, to) in prompts.into_iter().zip(recipients) {
                let Ok(slot) = window.clone().acquire_owned().await else {
                    return Ok(());
                };
                while let Some(done) = in_flight.try_join_next() {
                    reap(w, done);
                }
                let (w, stop, outcomes) = (w.clone(), stop.clone(), outcomes.clone());
                in_flight.spawn(async move {
                    let outcome = process(&w, prompt, to, &stop).await;
                    // Closed only when the drain is over, and it waits for every send first.
                    let _ = outcomes.send(outcome).await;
                    drop(slot);
                });
            }
        }
        if (claimed as i64) < w.config.worker.batch_size {
            return Ok(());
        }
    }
}

fn reap(w: &Worker, done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        // A panicking send records nothing: its lease expires and the prompt returns to the
        // queue.
        w.metrics.dispatch_errors.inc();
        tracing::error!(error = %e, "prompt send panicked");
    }
}

/// How many leased prompts are read (with their recipients) in one trip to the database: the
/// send window, and never fewer than [`READ_WINDOW_MIN`] so a small window does not turn the
/// reads into one trip per few prompts. What a worker holds in memory follows this and the
/// send window, whatever the batch size.
fn read_window(w: &Worker) -> usize {
    w.config.worker.sends_in_flight.max(READ_WINDOW_MIN)
}

/// The fewest leased prompts read in one trip (see [`read_window`]).
const READ_WINDOW_MIN: usize = 256;

/// How many times work is offered to a database that answers `Unavailable` (each try waits up
/// to the connection wait, `shared::db::CONNECTION_WAIT`, and on SQLite up to the busy timeout
/// too), for work that is safe to offer again: a window's read, a group's record.
const DB_TRIES: u32 = 3;

/// Runs `op` on the database, and again while it answers `Unavailable` (no connection came
/// free), up to [`DB_TRIES`] tries in all and only while `again()` holds; the first try always
/// happens. `what` names the work in the log line.
async fn run_retrying<T, F>(
    w: &Worker,
    what: &'static str,
    again: impl Fn() -> bool,
    op: F,
) -> Result<T, shared::Error>
where
    T: Send + 'static,
    F: Fn(&mut shared::db::DbConn) -> Result<T, shared::Error> + Clone + Send + 'static,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match w.db.run(op.clone()).await {
            Err(shared::Error::Unavailable(e)) if tries < DB_TRIES && again() => {
                tracing::warn!(error = %e, tries, what, "database busy; trying again");
            }
            other => return other,
        }
    }
}

/// The prompts among `ids` this worker still holds, and who each goes to: one trip, four
/// queries (`prompts::leased`, then `channels::recipients`), retried while the database is busy
/// and the worker is not stopping.
async fn read(
    w: &Worker,
    ids: &[PromptId],
    stop: &watch::Receiver<bool>,
) -> Result<(Vec<Prompt>, Vec<Recipient>), shared::Error> {
    let (worker_id, ids) = (w.config.worker.worker_id.clone(), ids.to_vec());
    run_retrying(
        w,
        "reading a window",
        || !*stop.borrow(),
        move |c| {
            let prompts = prompts::leased(c, &worker_id, &ids)?;
            let recipients = channels::recipients(c, &prompts)?;
            Ok((prompts, recipients))
        },
    )
    .await
}

/// Hands claimed prompts this drain will not reach back to the queue (`prompts::release`). A
/// failure is only logged: their leases expire and the recovery job returns them anyway.
async fn hand_back(w: &Worker, ids: &[PromptId]) {
    let (worker_id, ids) = (w.config.worker.worker_id.clone(), ids.to_vec());
    match w
        .db
        .run(move |c| prompts::release(c, &worker_id, &ids, now()))
        .await
    {
        Ok(n) => tracing::debug!(prompts = n, "unread claims handed back"),
        Err(e) => {
            w.metrics.dispatch_errors.inc();
            tracing::warn!(error = %e, "could not hand back unread claims; their leases will expire");
        }
    }
}

/// Leases a batch; only the ids are held until their window is read.
async fn claim(w: &Worker) -> Result<Vec<PromptId>, shared::Error> {
    let worker_id = w.config.worker.worker_id.clone();
    let (limit, lease) = (w.config.worker.batch_size, w.config.worker.lease_secs);
    let batch =
        w.db.run(move |conn| {
            let t = now();
            prompts::lease_due(conn, &worker_id, t, t + Duration::seconds(lease), limit)
        })
        .await?;
    w.metrics.prompts_claimed.inc_by(batch.len() as u64);
    Ok(batch)
}

/// Sends one leased prompt and says how to resolve it.
async fn process(
    w: &Worker,
    prompt: Prompt,
    to: Recipient,
    stop: &watch::Receiver<bool>,
) -> Finished {
    let (due_at, lease_expires_at) = (prompt.due_at, prompt.lease_expires_at);
    Finished {
        outcome: send_one(w, prompt, to, stop).await,
        due_at,
        lease_expires_at,
    }
}

async fn send_one(
    w: &Worker,
    prompt: Prompt,
    to: Recipient,
    stop: &watch::Receiver<bool>,
) -> Outcome {
    // Stopping, or too little lease left to finish a send before another worker may take the
    // prompt (it waited for a slot): hand it back unsent rather than risk two live sends.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let lease_left = prompt.lease_expires_at.map(|t| t - now());
    let deadline = match prompt.lease_expires_at {
        Some(expires) if !*stop.borrow() && lease_left.is_some_and(|left| left >= margin) => {
            expires - margin
        }
        _ => {
            return Outcome {
                prompt_id: prompt.id,
                resolution: Resolution::Release,
                attempts: Vec::new(),
            };
        }
    };
    // Every FCM permit the prompt needs is taken before any of its sends start, so a prompt
    // that must wait past its lease goes back unsent rather than half sent.
    if let Err(resolution) = quota::permits(w, to.fcm_sends(&w.push), deadline, stop).await {
        return Outcome {
            prompt_id: prompt.id,
            resolution,
            attempts: Vec::new(),
        };
    }
    let delivery = channels::send(w, &prompt, to).await;
    Outcome {
        prompt_id: prompt.id,
        resolution: delivery.resolution,
        attempts: delivery.attempts,
    }
}

/// When the earliest scheduled prompt becomes due (UTC), for the scheduler to run dispatch
/// again then if that comes before the next cron tick: a prompt planned for 10:00:00 goes out
/// at 10:00:00, not at the first tick after it. Asked after every drain, so it also covers
/// retries this drain recorded.
pub async fn next_due(w: &Worker) -> Result<Option<chrono::NaiveDateTime>, shared::Error> {
    w.db.run(prompts::next_available_at).await
}

/// Returns expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> Result<usize, shared::Error> {
    let n =
        w.db.run(|conn| prompts::release_expired_leases(conn, now()))
            .await?;
    w.metrics.leases_recovered("prompts", n);
    if n > 0 {
        tracing::warn!(
            count = n,
            "returned prompts with expired leases to the queue"
        );
    }
    Ok(n)
}
