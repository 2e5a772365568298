//! A small cron runner. Each job runs on its own schedule in its own task; a failing tick is
//! logged and counted, and the job carries on at its next time. Nothing here coordinates
//! workers: jobs claim their work through the database, so N workers are safe.

use std::future::Future;
use std::pin::Pin;

use chrono::Utc;
use tokio::sync::watch;

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), shared::Error>> + Send>>;

pub struct Job {
    pub name: &'static str,
    pub schedule: cron::Schedule,
    pub run: Box<dyn Fn() -> JobFuture + Send + Sync>,
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
        }
    }
}

/// Runs the jobs until `shutdown` is set; a tick in progress is allowed to finish.
pub async fn run(jobs: Vec<Job>, shutdown: watch::Receiver<bool>) {
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| tokio::spawn(run_job(job, shutdown.clone())))
        .collect();
    for h in handles {
        if let Err(e) = h.await {
            tracing::error!(error = %e, "job task ended abnormally");
        }
    }
}

async fn run_job(job: Job, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(next) = job.schedule.upcoming(Utc).next() else {
            tracing::warn!(job = job.name, "schedule has no future run; job stops");
            return;
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        // A panic inside a tick must not kill the job: run it as its own task.
        match tokio::spawn((job.run)()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(job = job.name, error = %e, "job tick failed"),
            Err(e) => tracing::error!(job = job.name, error = %e, "job tick panicked"),
        }
    }
}
