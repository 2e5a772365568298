//! The delivery worker: cron-driven jobs that claim due prompts through the database, send them,
//! and record the outcome. Any number of workers may run against one PostgreSQL.

pub mod dispatch;
pub mod scheduler;

use std::sync::Arc;

use shared::config::Config;
use shared::db::Db;
use shared::mail::Mailer;
use shared::metrics::Metrics;
use tokio::sync::watch;

/// Everything the jobs need, built once.
#[derive(Clone)]
pub struct Worker {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub mailer: Mailer,
}

impl Worker {
    pub fn new(db: Db, config: Arc<Config>, metrics: Metrics, mailer: Mailer) -> Self {
        Self {
            db,
            config,
            metrics,
            mailer,
        }
    }

    /// Runs every job on its schedule until `shutdown` turns true, then lets in-flight work
    /// finish and returns.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let w = &self.config.worker;
        tracing::info!(worker_id = %w.worker_id, "delivery worker started");
        let jobs = vec![
            scheduler::Job::new("dispatch", w.dispatch_cron.clone(), {
                let me = self.clone();
                move || {
                    let me = me.clone();
                    Box::pin(async move { dispatch::drain(&me).await.map(|_| ()) })
                }
            }),
            scheduler::Job::new("lease_recovery", w.recovery_cron.clone(), {
                let me = self.clone();
                move || {
                    let me = me.clone();
                    Box::pin(async move { dispatch::recover_leases(&me).await.map(|_| ()) })
                }
            }),
        ];
        scheduler::run(jobs, shutdown).await;
        tracing::info!("delivery worker stopped");
    }
}
