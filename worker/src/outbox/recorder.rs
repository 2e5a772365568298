//! Group commit of outcomes. Outcomes queue up while a group is being written; the next group
//! takes everything queued (up to the send window), so the number of commits follows the
//! database's pace, not the number of rows, and an idle drain still records each outcome at once
//! (a group of one).

use std::sync::Arc;

use shared::time::now;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{Kind, Queued};
use crate::Worker;

/// Starts the recorder. A group holds at most `window` outcomes and so does the queue, so at
/// most 2 × `window` finished sends are unrecorded at any moment (3 × `window` counting those in
/// flight; a kind that holds its slot until the write keeps all three within the window).
/// Dropping every sender ends the recorder; the handle yields how many rows were resolved.
pub(super) fn start<K: Kind>(
    w: Worker,
    window: usize,
    stop: watch::Receiver<bool>,
) -> (mpsc::Sender<Queued<K>>, JoinHandle<usize>) {
    let (tx, rx) = mpsc::channel(window.max(1));
    (tx, tokio::spawn(run::<K>(w, rx, window.max(1), stop)))
}

async fn run<K: Kind>(
    w: Worker,
    mut rx: mpsc::Receiver<Queued<K>>,
    window: usize,
    stop: watch::Receiver<bool>,
) -> usize {
    let mut resolved = 0;
    let mut group = Vec::with_capacity(window);
    while rx.recv_many(&mut group, window).await > 0 {
        let batch = std::mem::take(&mut group);
        resolved += write::<K>(&w, batch, &stop).await;
    }
    resolved
}

/// Writes one group, then frees the slots its sends held; returns how many of its outcomes were
/// resolutions (not hand-backs).
async fn write<K: Kind>(w: &Worker, group: Vec<Queued<K>>, stop: &watch::Receiver<bool>) -> usize {
    let lease_ends = group.iter().filter_map(|(f, _)| f.lease_expires_at).min();
    let mut slots = Vec::new();
    let mut summaries = Vec::with_capacity(group.len());
    let mut outcomes = Vec::with_capacity(group.len());
    for (finished, slot) in group {
        summaries.push((K::summarize(&finished.outcome), finished.due_at));
        outcomes.push(finished.outcome);
        slots.extend(slot);
    }
    let outcomes = Arc::new(outcomes);
    // A pool that stays saturated past the connection wait answers `Unavailable` before the
    // group was written; the sends are done, so the group is offered again (the lease-owner
    // guard still refuses rows another worker took meanwhile) rather than sent twice. Retries
    // stop once the worker is stopping or the group's earliest lease has ended (the outcome
    // would be refused).
    let again = || !*stop.borrow() && lease_ends.is_none_or(|end| now() < end);
    let written = super::retrying("recording the group", again, || {
        K::record(w, outcomes.clone())
    })
    .await;
    drop(slots);
    let owned = match written {
        Ok(owned) => owned,
        Err(e) => {
            // Nothing of the group was written: the leases expire and the rows are sent again,
            // with the same idempotency keys.
            w.metrics.dispatch_errors.inc();
            tracing::error!(error = %e, queue = K::QUEUE.table(), count = summaries.len(), "could not record delivery outcomes");
            return 0;
        }
    };
    // A recorded group is progress: a long drain of slow sends must not look like a stalled
    // loop.
    K::progressed(w);
    let written_at = now();
    summaries
        .iter()
        .zip(owned)
        .filter(|((summary, due_at), owned)| K::recorded(w, summary, *due_at, *owned, written_at))
        .count()
}
