//! What runs the dispatch and clinic-alert jobs before their cron time: a PostgreSQL
//! notification (the worker's listener) or, for the loop embedded in the API, the API itself after
//! an urgent check-in; the earliest waiting item's due time (asked after every drain); and a
//! catch-up at start and whenever the listener (re)connects.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::Notify;

/// Why a job ran, as `aftercare_worker_wakeups_total{reason}` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// Its cron schedule (`AFTERCARE_DISPATCH_CRON`).
    Cron = 0,
    /// The earliest waiting prompt or alert became due.
    Due = 1,
    /// Something became due now: a PostgreSQL notification, or the API of the same process
    /// (the loop embedded on SQLite) after writing an urgent check-in.
    Notify = 2,
    /// At start, and whenever the listener (re)connects: notifications sent while nobody
    /// listened are lost, so the queue is looked at once.
    CatchUp = 3,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Cron => "cron",
            Reason::Due => "due",
            Reason::Notify => "notify",
            Reason::CatchUp => "catch_up",
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => Reason::Due,
            2 => Reason::Notify,
            3 => Reason::CatchUp,
            _ => Reason::Cron,
        }
    }
}

/// A job's doorbell, rung from any thread. Rings that come while the job waits wake it at once;
/// rings that come while it runs fold into one more run right after (so work that became due
/// after the drain's last claim is never left for the next tick).
#[derive(Debug, Default)]
pub struct Wake {
    notify: Notify,
    reason: AtomicU8,
}

impl Wake {
    pub fn ring(&self, reason: Reason) {
        self.reason.store(reason as u8, Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Waits for a ring and says why (the last reason when several folded into one).
    pub async fn rung(&self) -> Reason {
        self.notify.notified().await;
        Reason::from_u8(self.reason.load(Ordering::Relaxed))
    }
}

/// The doorbells of the two jobs that deliver; cheap to clone, every clone rings the same.
#[derive(Debug, Clone, Default)]
pub struct Wakes {
    pub dispatch: Arc<Wake>,
    pub clinic_alerts: Arc<Wake>,
}

impl Wakes {
    pub fn catch_up(&self) {
        self.dispatch.ring(Reason::CatchUp);
        self.clinic_alerts.ring(Reason::CatchUp);
    }
}
