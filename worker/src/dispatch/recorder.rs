//! Group commit of delivery outcomes. Outcomes queue up while a group is being written; the
//! next group takes everything queued (up to the send window), so the number of commits follows
//! the database's pace, not the number of prompts, and an idle drain still records each
//! outcome at once (a group of one).

use std::sync::Arc;

use chrono::NaiveDateTime;
use shared::db::deliveries::{self, Outcome, Resolution};
use shared::domain::DeliveryChannel;
use shared::time::now;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::Worker;

/// A prompt's outcome with what the metrics need of the prompt.
pub(super) struct Finished {
    pub outcome: Outcome,
    /// When the prompt was due (lateness is measured against it).
    pub due_at: NaiveDateTime,
    /// When this worker's lease on it ends: after that its outcome is refused anyway.
    pub lease_expires_at: Option<NaiveDateTime>,
}

/// Starts the recorder. A group holds at most `window` outcomes and so does the queue, so at
/// most 2 × `window` finished sends are unrecorded at any moment (3 × `window` counting those
/// in flight): that bounds the repeats a crash can cause. Dropping every sender ends the
/// recorder; the handle yields how many prompts were resolved (everything but hand-backs).
pub(super) fn start(
    w: Worker,
    window: usize,
    stop: watch::Receiver<bool>,
) -> (mpsc::Sender<Finished>, JoinHandle<usize>) {
    let (tx, rx) = mpsc::channel(window.max(1));
    (tx, tokio::spawn(run(w, rx, window.max(1), stop)))
}

async fn run(
    w: Worker,
    mut rx: mpsc::Receiver<Finished>,
    window: usize,
    stop: watch::Receiver<bool>,
) -> usize {
    let mut resolved = 0;
    let mut group = Vec::with_capacity(window);
    while rx.recv_many(&mut group, window).await > 0 {
        let batch = std::mem::take(&mut group);
        resolved += write(&w, batch, &stop).await;
    }
    resolved
}

/// Writes one group; returns how many of its outcomes were resolutions (not hand-backs).
async fn write(w: &Worker, group: Vec<Finished>, stop: &watch::Receiver<bool>) -> usize {
    let lease_ends = group.iter().filter_map(|f| f.lease_expires_at).min();
    let worker_id = w.config.worker.worker_id.clone();
    let labels: Vec<(String, &'static str, NaiveDateTime, Option<DeliveryChannel>)> = group
        .iter()
        .map(|f| {
            let id = f.outcome.prompt_id.to_string();
            let channel = match f.outcome.resolution {
                Resolution::Sent { channel } => Some(channel),
                _ => None,
            };
            (id, label(&f.outcome.resolution), f.due_at, channel)
        })
        .collect();
    let group: Arc<Vec<Outcome>> = Arc::new(group.into_iter().map(|f| f.outcome).collect());
    // A pool that stays saturated past the connection wait answers `Unavailable` before the
    // group was written; the sends are done, so the group is offered again (the lease-owner
    // guard still refuses rows another worker took meanwhile) rather than sent twice.
    // Retries stop once the worker is stopping or the group's earliest lease has ended (the
    // outcome would be refused).
    let again = || !*stop.borrow() && lease_ends.is_none_or(|end| now() < end);
    let written = super::run_retrying(w, "recording the group", again, move |c| {
        deliveries::resolve_group(c, &worker_id, &group, now())
    })
    .await;
    let owned = match written {
        Ok(owned) => owned,
        Err(e) => {
            // Nothing of the group was written: the leases expire and the prompts are sent
            // again, with the same idempotency keys.
            w.metrics.dispatch_errors.inc();
            tracing::error!(error = %e, prompts = labels.len(), "could not record delivery outcomes");
            return 0;
        }
    };
    let mut resolved = 0;
    // A recorded group is progress: a long drain of slow sends must not look like a stalled
    // loop.
    w.health.beat();
    let written_at = now();
    for ((prompt_id, resolution, due_at, channel), owned) in labels.iter().zip(owned) {
        if owned {
            let late = (written_at - *due_at).num_milliseconds() as f64 / 1000.0;
            if let Some(channel) = channel {
                w.metrics.delivered_late(channel.as_str(), late);
            }
            tracing::debug!(prompt_id = %prompt_id, resolution, late, "prompt resolved");
        } else {
            // Our lease expired and another worker re-claimed the prompt; its record stands.
            tracing::warn!(prompt_id = %prompt_id, resolution, "lease lost before recording; outcome dropped");
        }
        if *resolution != "released" && *resolution != "deferred" {
            resolved += 1;
        }
    }
    resolved
}

fn label(r: &Resolution) -> &'static str {
    match r {
        Resolution::Sent { .. } => "sent",
        Resolution::Retry { .. } => "retry",
        Resolution::Failed { .. } => "failed",
        Resolution::Cancelled { .. } => "cancelled",
        Resolution::Release => "released",
        Resolution::Defer { .. } => "deferred",
    }
}
