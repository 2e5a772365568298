//! The drain: one pipeline from an outbox queue to the providers and back, whatever the kind of
//! message. A [`Kind`] says how to read a window of its rows, send one and record a group; the
//! pipeline does the rest the same way for all: prompts (`crate::dispatch`), clinic alerts
//! (`crate::alerts`), and the next kinds (Web Push, SMS, a delivery ladder).
//!
//! 1. **Claim** a batch of due ids (`shared::care::outbox::lease_due`: a lease, committed
//!    before any network I/O, so a slow provider never holds locks), then read the rows and what
//!    sending them needs a window at a time, one trip per window. Claims the drain will not
//!    reach (it stops, or a read fails) are handed back at once, not left to their lease.
//! 2. **Send** with at most [`Kind::window`] sends in flight; a row waits for a free slot, not
//!    for its batch, and the next batch is claimed while the last sends of this one are out.
//!    Memory is bounded by the windows, not the batch size: a batch costs only its ids.
//! 3. **Record** outcomes in groups ([`recorder`]): whatever finished while the previous group
//!    was committing goes into the next one, so a busy drain commits once per group, not once
//!    per row. Each outcome is still guarded by its own lease.
//!
//! A crash repeats at most what was sent and not yet recorded. A kind whose slot is freed once
//! its outcome is queued ([`Kind::SLOT_UNTIL_RECORDED`] false, the prompts) repeats at most
//! 3 × its window per kill (the sends in flight, the recorder's queue and the group being
//! written); one whose slot is held until the outcome is written (the clinic alerts) at most its
//! window. Rows read but not yet sent were never sent, so they are not repeats.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use shared::care::outbox::{self, Queue};
use shared::time::now;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::Worker;

mod recorder;

/// One kind of message in the outbox: its queue, its rows, its send and its record.
pub trait Kind: Sized + Send + Sync + 'static {
    /// The table drained.
    const QUEUE: Queue;
    /// What one row is called in the logs ("prompt", "clinic alert").
    const NOUN: &'static str;
    /// Whether a send keeps its slot of the window until its outcome is written (at most the
    /// window is repeated after a crash, at the cost of one commit per recorder round), rather
    /// than until it is queued for the recorder (3 × the window, the recorder's pace).
    const SLOT_UNTIL_RECORDED: bool;
    type Id: Clone + AsRef<str> + From<String> + Display + Send + Sync + 'static;
    /// A leased row with what sending it needs, as a window read yields it.
    type Item: Send + 'static;
    /// What becomes of one row, as the record takes it.
    type Outcome: Send + Sync + 'static;
    /// What the log lines and metrics need of an outcome once the group is written.
    type Summary: Send + 'static;

    /// Sends in flight at once.
    fn window(w: &Worker) -> usize;
    /// Rows read in one trip to the database.
    fn read_window(w: &Worker) -> usize;
    /// A claim of `n` rows went through (even an empty one).
    fn claimed(w: &Worker, n: usize);
    /// A group was written.
    fn progressed(w: &Worker);
    /// The rows among `ids` this worker still holds, in claim order, ready to send. One try:
    /// the pipeline offers it again while the database is busy.
    fn read(
        w: &Worker,
        ids: Vec<Self::Id>,
    ) -> impl Future<Output = shared::Result<Vec<Self::Item>>> + Send;
    /// Sends one row and says what becomes of it; a row it will not send (stopping, too little
    /// lease left) comes back as a hand-back outcome.
    fn send(
        w: &Worker,
        item: Self::Item,
        stop: &watch::Receiver<bool>,
    ) -> impl Future<Output = Finished<Self::Outcome>> + Send;
    fn summarize(outcome: &Self::Outcome) -> Self::Summary;
    /// Writes a group, each outcome guarded by this worker's lease; says which were written.
    /// One try: the recorder offers it again while the database is busy.
    fn record(
        w: &Worker,
        group: Arc<Vec<Self::Outcome>>,
    ) -> impl Future<Output = shared::Result<Vec<bool>>> + Send;
    /// Logs and counts one written (or, `owned` false, refused) outcome of a group written at
    /// `written_at`; `true` when it resolved the row (not a hand-back).
    fn recorded(
        w: &Worker,
        summary: &Self::Summary,
        due_at: NaiveDateTime,
        owned: bool,
        written_at: NaiveDateTime,
    ) -> bool;
}

/// A sent (or handed back) row's outcome with what the pipeline needs of the row.
pub struct Finished<O> {
    pub outcome: O,
    /// When the row was due (lateness is measured against it).
    pub due_at: NaiveDateTime,
    /// When this worker's lease on it ends: after that its outcome is refused anyway.
    pub lease_expires_at: Option<NaiveDateTime>,
}

/// A finished send on its way to the recorder, with its window slot when the kind holds it
/// until the outcome is written.
type Queued<K> = (Finished<<K as Kind>::Outcome>, Option<OwnedSemaphorePermit>);

/// Claims and sends batches of `K` until nothing is due or `stop` is set. Returns how many rows
/// were resolved (sent, retried, failed or cancelled; not hand-backs).
pub async fn drain<K: Kind>(w: &Worker, stop: &watch::Receiver<bool>) -> shared::Result<usize> {
    let window = K::window(w).max(1);
    let (outcomes, recorded) = recorder::start::<K>(w.clone(), window, stop.clone());
    let slots = Arc::new(Semaphore::new(window));
    let mut in_flight = JoinSet::new();
    let claimed = feed::<K>(w, stop, &outcomes, &slots, &mut in_flight).await;
    while let Some(done) = in_flight.join_next().await {
        reap::<K>(w, done);
    }
    drop(outcomes);
    let resolved = recorded.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, queue = K::QUEUE.table(), "outcome recorder stopped");
        0
    });
    claimed.map(|()| resolved)
}

/// Claims batches and starts their sends until the queue runs dry, `stop` is set, or the
/// database fails (what is in flight still finishes and is recorded).
async fn feed<K: Kind>(
    w: &Worker,
    stop: &watch::Receiver<bool>,
    outcomes: &mpsc::Sender<Queued<K>>,
    slots: &Arc<Semaphore>,
    in_flight: &mut JoinSet<()>,
) -> shared::Result<()> {
    // One handle shared by every send of this drain: cloning the worker itself for each send
    // costs a few dozen reference counts (its pool, metrics, clients).
    let me = Arc::new(w.clone());
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let batch = claim::<K>(w).await?;
        K::claimed(w, batch.len());
        let claimed = batch.len();
        let mut start = 0;
        while start < claimed {
            // Claims this drain will not reach (it is stopping, or cannot read them) go back to
            // the queue at once rather than wait out their lease.
            let rest = &batch[start..];
            if *stop.borrow() {
                hand_back::<K>(w, rest).await;
                return Ok(());
            }
            let ids = &rest[..rest.len().min(K::read_window(w).max(1))];
            let items = match read::<K>(w, ids, stop).await {
                Ok(items) => items,
                Err(e) => {
                    hand_back::<K>(w, rest).await;
                    return Err(e);
                }
            };
            start += ids.len();
            for item in items {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return Ok(());
                };
                while let Some(done) = in_flight.try_join_next() {
                    reap::<K>(w, done);
                }
                let (me, stop, outcomes) = (me.clone(), stop.clone(), outcomes.clone());
                // Boxed: the task then holds a pointer, and the send's large state machine is
                // written once into its box instead of copied into the task and over again
                // when it completes.
                in_flight.spawn(Box::pin(async move {
                    let finished = K::send(&me, item, &stop).await;
                    // The slot is freed only once the outcome is queued (or, for a kind that
                    // holds it, written): a recorder that falls behind holds the sends back, so
                    // what is unrecorded stays within the windows. The channel is closed only
                    // when the drain is over, and it waits for every send first.
                    if K::SLOT_UNTIL_RECORDED {
                        let _ = outcomes.send((finished, Some(slot))).await;
                    } else {
                        let _ = outcomes.send((finished, None)).await;
                        drop(slot);
                    }
                }));
            }
        }
        if (claimed as i64) < w.config.worker.batch_size {
            return Ok(());
        }
    }
}

fn reap<K: Kind>(w: &Worker, done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        // A panicking send records nothing: its lease expires and the row returns to the queue.
        w.metrics.dispatch_errors.inc();
        tracing::error!(error = %e, kind = K::NOUN, "send panicked");
    }
}

/// Leases a batch; only the ids are held until their window is read.
async fn claim<K: Kind>(w: &Worker) -> shared::Result<Vec<K::Id>> {
    let (limit, lease) = (w.config.worker.batch_size, w.config.worker.lease_secs);
    let t = now();
    outbox::lease_due(
        &w.db,
        K::QUEUE,
        &w.config.worker.worker_id,
        t,
        t + Duration::seconds(lease),
        limit,
    )
    .await
}

/// The rows among `ids` this worker still holds, ready to send: retried while the database is
/// busy and the worker is not stopping.
async fn read<K: Kind>(
    w: &Worker,
    ids: &[K::Id],
    stop: &watch::Receiver<bool>,
) -> shared::Result<Vec<K::Item>> {
    retrying(
        "reading a window",
        || !*stop.borrow(),
        || K::read(w, ids.to_vec()),
    )
    .await
}

/// Hands claimed rows this drain will not reach back to the queue. A failure is only logged:
/// their leases expire and the recovery job returns them anyway.
async fn hand_back<K: Kind>(w: &Worker, ids: &[K::Id]) {
    let worker_id = &w.config.worker.worker_id;
    match outbox::release(&w.db, K::QUEUE, worker_id, ids.to_vec(), now()).await {
        Ok(n) => tracing::debug!(
            count = n,
            queue = K::QUEUE.table(),
            "unread claims handed back"
        ),
        Err(e) => {
            w.metrics.dispatch_errors.inc();
            tracing::warn!(error = %e, queue = K::QUEUE.table(), "could not hand back unread claims; their leases will expire");
        }
    }
}

/// How many times work is offered to a database that answers `Unavailable` (each try waits up
/// to the connection wait, `shared::care::Db`'s, and on SQLite up to the busy timeout too), for
/// work that is safe to offer again: a window's read, a group's record.
const DB_TRIES: u32 = 3;

/// Runs `op`, and again while it answers `Unavailable` (no connection came free), up to
/// [`DB_TRIES`] tries in all and only while `again()` holds; the first try always happens.
/// `what` names the work in the log line.
async fn retrying<T, Fut>(
    what: &'static str,
    again: impl Fn() -> bool,
    op: impl Fn() -> Fut,
) -> shared::Result<T>
where
    Fut: Future<Output = shared::Result<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match op().await {
            Err(shared::Error::Unavailable(e)) if tries < DB_TRIES && again() => {
                tracing::warn!(error = %e, tries, what, "database busy; trying again");
            }
            other => return other,
        }
    }
}

/// When the earliest waiting row of `K` becomes due (UTC), for the scheduler to run the drain
/// again then if that comes before the next cron tick: a prompt planned for 10:00:00 goes out at
/// 10:00:00, not at the first tick after it. Asked after every drain, so it also covers retries
/// this drain recorded.
pub async fn next_due<K: Kind>(w: &Worker) -> shared::Result<Option<NaiveDateTime>> {
    outbox::next_available_at(&w.db, K::QUEUE).await
}

/// Returns rows of `K` whose lease expired to the queue; returns how many.
pub async fn recover_leases<K: Kind>(w: &Worker) -> shared::Result<usize> {
    let n = outbox::recover_expired(&w.db, K::QUEUE, now()).await?;
    w.metrics.leases_recovered(K::QUEUE.table(), n);
    if n > 0 {
        tracing::warn!(
            count = n,
            queue = K::QUEUE.table(),
            "returned rows with expired leases to the queue"
        );
    }
    Ok(n)
}
