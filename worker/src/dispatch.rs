//! Dispatch: claim due prompts, send them, record each outcome. The claim commits before any
//! network I/O (a lease, not a held transaction), so a slow provider never holds locks; each
//! outcome is recorded right after its own send, so a crash repeats at most the prompts that
//! were in flight, and the repeat carries the same idempotency key.

use chrono::Duration;
use shared::db::deliveries::{self, Resolution};
use shared::db::prompts::{self, Prompt};
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::channels::{self, Recipient};

/// Prompts of one batch sent at the same time.
pub const CONCURRENCY: usize = 8;

/// Claims and sends batches until nothing is due or `stop` is set. Returns how many prompts
/// were resolved (sent, retried, failed or cancelled).
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> Result<usize, shared::Error> {
    w.metrics.dispatch_ticks.inc();
    let mut resolved = 0;
    loop {
        if *stop.borrow() {
            return Ok(resolved);
        }
        let batch = claim(w).await?;
        // A claim that went through, even an empty one, is the loop's proof of life.
        w.health.beat();
        let claimed = batch.len();
        resolved += send_batch(w, batch, stop).await;
        if (claimed as i64) < w.config.worker.batch_size {
            return Ok(resolved);
        }
    }
}

async fn claim(w: &Worker) -> Result<Vec<Prompt>, shared::Error> {
    let worker_id = w.config.worker.worker_id.clone();
    let (limit, lease) = (w.config.worker.batch_size, w.config.worker.lease_secs);
    let batch =
        w.db.run(move |conn| {
            let t = now();
            prompts::claim_due(conn, &worker_id, t, t + Duration::seconds(lease), limit)
        })
        .await?;
    w.metrics.prompts_claimed.inc_by(batch.len() as u64);
    Ok(batch)
}

async fn send_batch(w: &Worker, batch: Vec<Prompt>, stop: &watch::Receiver<bool>) -> usize {
    crate::bounded::run(batch, CONCURRENCY, "prompt", |prompt| {
        let (w, stop) = (w.clone(), stop.clone());
        async move {
            let id = prompt.id.clone();
            match process(&w, prompt, &stop).await {
                Ok(done) => {
                    // A recorded outcome is progress too: a long drain of slow sends must not
                    // look like a stalled loop.
                    w.health.beat();
                    done
                }
                Err(e) => {
                    // The lease expires and the prompt returns to the queue.
                    w.metrics.dispatch_errors.inc();
                    tracing::error!(prompt_id = %id, error = %e, "could not process prompt");
                    false
                }
            }
        }
    })
    .await
}

/// Sends one leased prompt and records the outcome. `false` when it was handed back unsent.
async fn process(
    w: &Worker,
    prompt: Prompt,
    stop: &watch::Receiver<bool>,
) -> Result<bool, shared::Error> {
    // Stopping, or too little lease left to finish a send before another worker may take the
    // prompt: hand it back unsent rather than risk two live sends.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let lease_left = prompt.lease_expires_at.map(|t| t - now());
    if *stop.borrow() || lease_left.is_none_or(|left| left < margin) {
        record(w, &prompt, Resolution::Release, Vec::new()).await?;
        return Ok(false);
    }
    let p = prompt.clone();
    let to: Recipient = w.db.run(move |c| channels::recipient(c, &p)).await?;
    let delivery = channels::send(w, &prompt, to).await;
    record(w, &prompt, delivery.resolution, delivery.attempts).await?;
    Ok(true)
}

async fn record(
    w: &Worker,
    prompt: &Prompt,
    resolution: Resolution,
    attempts: Vec<deliveries::Attempt>,
) -> Result<(), shared::Error> {
    let (id, worker_id) = (prompt.id.clone(), w.config.worker.worker_id.clone());
    let sent_on = match &resolution {
        Resolution::Sent { channel } => Some(*channel),
        _ => None,
    };
    let label = match &resolution {
        Resolution::Sent { .. } => "sent",
        Resolution::Retry { .. } => "retry",
        Resolution::Failed { .. } => "failed",
        Resolution::Cancelled { .. } => "cancelled",
        Resolution::Release => "released",
    };
    let owned =
        w.db.run(move |c| deliveries::resolve(c, &id, &worker_id, &resolution, &attempts, now()))
            .await?;
    if let (true, Some(channel)) = (owned, sent_on) {
        let late = (now() - prompt.due_at).num_milliseconds() as f64 / 1000.0;
        w.metrics.delivered_late(channel.as_str(), late);
    }
    if owned {
        tracing::debug!(prompt_id = %prompt.id, resolution = label, "prompt resolved");
    } else {
        // Our lease expired and another worker re-claimed the prompt; its record stands.
        tracing::warn!(prompt_id = %prompt.id, resolution = label, "lease lost before recording; outcome dropped");
    }
    Ok(())
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
