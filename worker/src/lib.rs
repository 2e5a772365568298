//! The delivery worker: jobs that drain the outbox ([`outbox`]: due prompts, urgent clinic
//! alerts and the delivery ladder's follow-ups ([`ladder`]), claimed through the database), send
//! them by FCM, APNs, Web Push, SMS or email, and record the outcome; and the clinics' daily
//! digest. Any number of workers may run against one
//! PostgreSQL. The worker reaches the database only through `shared::care` (`outbox`,
//! `delivery`).
//!
//! The dispatch and clinic-alert jobs run on `AFTERCARE_DISPATCH_CRON`, and also: at once when
//! PostgreSQL notifies that something became due ([`listener`]; PostgreSQL only, unless
//! `AFTERCARE_WORKER_LISTEN=off`), when the earliest waiting prompt or alert becomes due (asked
//! after every drain, on both backends), and once at start. The follow-ups' job runs on the
//! same schedule and when its earliest follow-up becomes due (no notification: they fall due at
//! the end of acknowledgement windows of minutes to hours).

pub mod alerts;
pub mod channels;
pub mod cli;
pub mod dispatch;
pub mod http;
pub mod jobs;
pub mod ladder;
pub mod listener;
pub mod outbox;
pub mod quota;
pub mod scheduler;
mod sms;

/// The heartbeat and the doorbells live in `shared::delivery`, where the API reads and rings
/// them without depending on this crate.
pub use shared::delivery::{heartbeat as health, wake};

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use shared::care::{DatabaseUrl, Db};
use shared::config::Config;
use shared::delivery::{EmbeddedLoop, Heartbeat, Wakes};
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::push::PushSetupError;
use shared::sms::SmsClient;
use tokio::sync::watch;

use crate::channels::Push;
use crate::quota::Gate;

/// Everything the jobs need, built once.
#[derive(Clone)]
pub struct Worker {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub mailer: Mailer,
    pub push: Push,
    /// Texts (SMS), when `AFTERCARE_SMS_*` are set (sent by `crate::sms::send` only).
    pub sms: Option<Arc<SmsClient>>,
    /// The SMS sender's send rate shared with every other worker (with `sms`).
    pub sms_gate: Option<Arc<Gate>>,
    /// The dispatch loop's progress, for `/healthz` (and the API's `/readyz` when embedded).
    pub health: Heartbeat,
    /// Rings the dispatch and clinic-alert jobs before their cron time.
    pub wakes: Wakes,
}

impl Worker {
    /// Builds the worker, reading the push providers' keys; a missing or unreadable key file
    /// is an error here, at start, not at the first send.
    pub fn try_new(
        db: Db,
        config: Arc<Config>,
        metrics: Metrics,
        mailer: Mailer,
    ) -> Result<Self, PushSetupError> {
        let push = Push::from_config(&config)?;
        let sms = sms_client(&config)?;
        Ok(Self {
            health: Heartbeat::new(&config.worker.dispatch_cron, metrics.clone()),
            sms_gate: sms.as_ref().and_then(|_| Gate::sms(&config)),
            sms,
            db,
            config,
            metrics,
            mailer,
            push,
            wakes: Wakes::default(),
        })
    }

    /// Like [`Worker::try_new`] for the loop embedded in the API: a push provider that cannot
    /// start is logged and left out (its devices are not reachable; email still works).
    pub fn new(db: Db, config: Arc<Config>, metrics: Metrics, mailer: Mailer) -> Self {
        let push = Push::from_config(&config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "push disabled: provider could not start");
            Push::default()
        });
        let sms = sms_client(&config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "texts disabled: the SMS client could not start");
            None
        });
        Self {
            health: Heartbeat::new(&config.worker.dispatch_cron, metrics.clone()),
            sms_gate: sms.as_ref().and_then(|_| Gate::sms(&config)),
            sms,
            db,
            config,
            metrics,
            mailer,
            push,
            wakes: Wakes::default(),
        }
    }

    /// This worker as a loop the API runs beside its server (single-node mode): its heartbeat,
    /// its doorbells and its [`Worker::run`].
    pub fn embedded(self) -> EmbeddedLoop {
        EmbeddedLoop {
            heartbeat: self.health.clone(),
            wakes: self.wakes.clone(),
            run: Box::new(move |stop| Box::pin(self.run(stop))),
        }
    }

    /// Runs every job on its schedule until `shutdown` turns true, then lets in-flight work
    /// finish (sends complete and are recorded; unsent claims are handed back) and returns.
    /// On PostgreSQL (with `AFTERCARE_WORKER_LISTEN` on) a listener thread wakes the dispatch
    /// and clinic-alert jobs as soon as something becomes due; the cron tick stays the fallback.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let w = &self.config.worker;
        let listener = match &self.config.database_url {
            DatabaseUrl::Postgres(url) if w.listen => {
                let started = listener::spawn(
                    url.clone(),
                    self.wakes.clone(),
                    self.metrics.clone(),
                    shutdown.clone(),
                );
                started
                    .inspect_err(|e| tracing::error!(error = %e, "notification listener could not start; dispatch runs on the cron tick"))
                    .ok()
            }
            _ => None,
        };
        tracing::info!(
            worker_id = %w.worker_id,
            fcm = self.push.fcm.is_some(),
            apns = self.push.apns.is_some(),
            webpush = self.push.webpush.is_some(),
            sms = self.sms.is_some(),
            smtp = self.mailer.is_smtp(),
            listen = listener.is_some(),
            "delivery worker started"
        );
        // What became due while no worker ran goes out now, not at the first tick.
        self.wakes.catch_up();
        let jobs = vec![
            self.job(
                "dispatch",
                w.dispatch_cron.clone(),
                &shutdown,
                |me, stop| {
                    Box::pin(async move {
                        dispatch::drain(&me, &stop).await?;
                        dispatch::next_due(&me).await
                    })
                },
            )
            .woken_by(self.wakes.dispatch.clone()),
            // Urgent clinic alerts run as their own job on the same schedule, so a long prompt
            // drain never holds one back past its minute.
            self.job(
                "clinic_alerts",
                w.dispatch_cron.clone(),
                &shutdown,
                |me, stop| {
                    Box::pin(async move {
                        alerts::drain(&me, &stop).await?;
                        alerts::next_due(&me).await
                    })
                },
            )
            .woken_by(self.wakes.clinic_alerts.clone()),
            // The delivery ladder's follow-ups: due at the end of an acknowledgement window
            // (minutes to hours after their prompt), so the tick and their due time suffice.
            self.job(
                "follow_ups",
                w.dispatch_cron.clone(),
                &shutdown,
                |me, stop| {
                    Box::pin(async move {
                        ladder::drain(&me, &stop).await?;
                        ladder::next_due(&me).await
                    })
                },
            ),
            self.job(
                "lease_recovery",
                w.recovery_cron.clone(),
                &shutdown,
                |me, _| {
                    Box::pin(async move {
                        let alerts = alerts::recover_leases(&me).await;
                        let prompts = dispatch::recover_leases(&me).await;
                        let follow_ups = ladder::recover_leases(&me).await;
                        alerts.and(prompts).and(follow_ups).map(|_| None)
                    })
                },
            ),
            self.job(
                "escalation_digest",
                w.digest_cron.clone(),
                &shutdown,
                |me, _| Box::pin(async move { jobs::digest(&me).await.map(|()| None) }),
            ),
            self.job(
                "prune_deliveries",
                w.prune_cron.clone(),
                &shutdown,
                |me, _| Box::pin(async move { jobs::prune(&me).await.map(|()| None) }),
            ),
        ];
        scheduler::run(jobs, shutdown, self.metrics.clone()).await;
        if let Some(thread) = listener {
            // It sees the stop within one poll, unless it is stuck on a dead connection (at
            // most the connect and TCP timeouts of `notify::Listener`): don't wait that long.
            let joined = tokio::task::spawn_blocking(move || thread.join());
            if tokio::time::timeout(std::time::Duration::from_secs(2), joined)
                .await
                .is_err()
            {
                tracing::warn!("notification listener still busy at stop; left behind");
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Awaits one provider request (a push, an email) and records its latency under `channel`.
    pub(crate) async fn timed<T>(
        &self,
        channel: &'static str,
        request: impl Future<Output = T>,
    ) -> T {
        let started = Instant::now();
        let answer = request.await;
        self.metrics
            .provider_request(channel, started.elapsed().as_secs_f64());
        answer
    }

    fn job(
        &self,
        name: &'static str,
        schedule: cron::Schedule,
        shutdown: &watch::Receiver<bool>,
        tick: fn(Worker, watch::Receiver<bool>) -> scheduler::JobFuture,
    ) -> scheduler::Job {
        let (me, stop) = (self.clone(), shutdown.clone());
        scheduler::Job::new(name, schedule, move || tick(me.clone(), stop.clone()))
    }
}

/// The SMS client, when texts are configured.
fn sms_client(config: &Config) -> Result<Option<Arc<SmsClient>>, PushSetupError> {
    match &config.sms {
        Some(c) => Ok(Some(Arc::new(SmsClient::from_config(
            c,
            &config.public_url,
        )?))),
        None => Ok(None),
    }
}
