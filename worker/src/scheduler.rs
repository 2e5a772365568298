//! A small cron runner. Each job runs on its own schedule in its own task; a failing tick is
//! logged and counted, and the job carries on at its next time. Nothing here coordinates
//! workers: jobs claim their work through the database, so N workers are safe.
//!
//! A job may also run before its cron time: when its [`Wake`] rings (a PostgreSQL notification,
//! a catch-up), and when its last tick asked to run again at a time before the next cron time
//! (the earliest waiting item's due time).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use shared::metrics::Metrics;
use tokio::sync::watch;

use crate::wake::{Reason, Wake};

/// A tick's answer: `Some(t)` to run again at `t` (UTC) if that comes before the next cron time.
pub type Rerun = Option<NaiveDateTime>;

pub type JobFuture = Pin<Box<dyn Future<Output = Result<Rerun, shared::Error>> + Send>>;

/// The shortest wait before a rerun, even for a time already past: a row that stays due but
/// cannot be claimed yet (another worker is claiming it) must not spin the job.
pub const SOONEST_RERUN: Duration = Duration::from_millis(100);

pub struct Job {
    pub name: &'static str,
    pub schedule: cron::Schedule,
    pub run: Box<dyn Fn() -> JobFuture + Send + Sync>,
    /// Rings the job before its cron time; `None` for jobs that run on their schedule only.
    pub wake: Option<Arc<Wake>>,
}

impl Job {
    pub fn new(
        name: &'static str,
        schedule: cron::Schedule,
        run: impl Fn() -> JobFuture + Send + Sync + 'static,
    ) -> Self {
        Self {
            name,
            schedule,
            run: Box::new(run),
            wake: None,
        }
    }

    /// The job also runs whenever `wake` rings.
    pub fn woken_by(mut self, wake: Arc<Wake>) -> Self {
        self.wake = Some(wake);
        self
    }
}

/// Runs the jobs until `shutdown` is set; a tick in progress is allowed to finish. Each run of
/// a job with a [`Wake`] is counted in `aftercare_worker_wakeups_total` with its reason.
pub async fn run(jobs: Vec<Job>, shutdown: watch::Receiver<bool>, metrics: Metrics) {
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| tokio::spawn(run_job(job, shutdown.clone(), metrics.clone())))
        .collect();
    for h in handles {
        if let Err(e) = h.await {
            tracing::error!(error = %e, "job task ended abnormally");
        }
    }
}

async fn run_job(job: Job, mut shutdown: watch::Receiver<bool>, metrics: Metrics) {
    let mut rerun: Rerun = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(next) = job.schedule.upcoming(Utc).next() else {
            tracing::warn!(job = job.name, "schedule has no future run; job stops");
            return;
        };
        let mut wait = (next - Utc::now()).to_std().unwrap_or_default();
        let mut reason = Reason::Cron;
        if let Some(at) = rerun.take() {
            let until = (at - shared::time::now())
                .to_std()
                .unwrap_or_default()
                .max(SOONEST_RERUN);
            if until < wait {
                (wait, reason) = (until, Reason::Due);
            }
        }
        let reason = tokio::select! {
            _ = tokio::time::sleep(wait) => reason,
            woken = rung(job.wake.as_deref()) => woken,
            _ = shutdown.changed() => return,
        };
        if job.wake.is_some() {
            metrics.wakeup(job.name, reason.as_str());
        }
        // A panic inside a tick must not kill the job: run it as its own task.
        match tokio::spawn((job.run)()).await {
            Ok(Ok(next)) => rerun = next,
            Ok(Err(e)) => tracing::error!(job = job.name, error = %e, "job tick failed"),
            Err(e) => tracing::error!(job = job.name, error = %e, "job tick panicked"),
        }
    }
}

async fn rung(wake: Option<&Wake>) -> Reason {
    match wake {
        Some(wake) => wake.rung().await,
        None => std::future::pending().await,
    }
}
