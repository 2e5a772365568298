//! Metrics shared by the API and the delivery loop, served as OpenMetrics 1.0 text
//! ([`CONTENT_TYPE`]). Names follow the OpenMetrics conventions: the `aftercare_` prefix, base
//! units in the name (`_seconds`, with a `# UNIT` line), `_total` on counters.
//!
//! Counters and histograms are recorded where things happen. The three queue gauges (backlog,
//! outbox depth, open escalations) are computed at scrape time by [`Metrics::refresh`], three
//! `COUNT`s on partial indexes ([`crate::db::gauges`]), so every scrape of any process (API
//! replica or worker) shows the database's present state even while every worker is down.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry, Unit};

use crate::db::Db;

mod labels;
mod push_faults;
mod resolved;

pub use labels::{
    ChannelLabels, DeliveryLabels, EncodingLabels, HttpLabels, PushFaultLabels, QueueLabels,
    WakeupLabels,
};
pub use push_faults::{PushFault, PushFaults};
use resolved::ResolvedSeries;

/// The media type of [`Metrics::render`]'s output (OpenMetrics 1.0, §"Overall structure").
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Cheap to clone; every clone records into the same registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<HttpLabels, Histogram>,
    /// Provider requests (one per device push or email) by channel and outcome.
    pub deliveries: Family<DeliveryLabels, Counter>,
    /// How long one provider request took, by channel.
    pub provider_duration: Family<ChannelLabels, Histogram>,
    /// Sent − due of each prompt delivered, by the channel that delivered it.
    pub lateness: Family<ChannelLabels, Histogram>,
    /// How long a prompt's sends waited for the provider's shared send permits (a spent
    /// window, a 429 pause), by channel.
    pub quota_wait: Family<ChannelLabels, Histogram>,
    /// 429 answers from a provider; each pauses its project for every worker.
    pub throttled: Family<ChannelLabels, Counter>,
    /// Prompts put back unsent because the provider's permits would come after their lease.
    pub quota_deferred: Family<ChannelLabels, Counter>,
    /// Unix time until which this process saw the provider's project paused (0: never).
    pub paused_until: Family<ChannelLabels, Gauge<f64, AtomicU64>>,
    /// A push provider refused our own settings (topic, credentials, project), by provider and
    /// the provider's reason; the open causes are in `push_faults` for the readiness probes.
    pub push_config_errors: Family<PushFaultLabels, Counter>,
    pub push_faults: PushFaults,
    /// The per-send series above, resolved once per label value.
    resolved: ResolvedSeries,
    /// SMS segments of the texts the provider accepted, by encoding (`gsm7`, `ucs2`).
    pub sms_segments: Family<EncodingLabels, Counter>,
    pub dispatch_ticks: Counter,
    pub dispatch_errors: Counter,
    /// Unix time of the dispatch loop's last progress (see `crate::delivery::Heartbeat`).
    pub dispatch_last_success: Gauge<f64, AtomicU64>,
    pub prompts_claimed: Counter,
    /// Why the dispatch and clinic-alert jobs ran (see [`WakeupLabels`]).
    pub worker_wakeups: Family<WakeupLabels, Counter>,
    /// 1 while the worker's LISTEN connection is up (PostgreSQL), else 0.
    pub worker_listening: Gauge,
    /// Expired leases handed back to their queue.
    pub lease_recoveries: Family<QueueLabels, Counter>,
    pub backlog: Gauge,
    pub outbox_depth: Gauge,
    pub open_escalations: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// One row of the registration table: name, help, unit, the metric.
type Registration = (&'static str, &'static str, Option<Unit>, Box<dyn Metric>);

/// A metric of any kind, so the families can be registered from one table.
#[derive(Debug)]
struct Boxed(Box<dyn Metric>);

impl EncodeMetric for Boxed {
    fn encode(&self, encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        self.0.encode(encoder)
    }

    fn metric_type(&self) -> MetricType {
        self.0.metric_type()
    }
}

/// Seconds, from 5 ms to a minute: HTTP answers and provider calls.
const REQUEST_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Seconds late, from 1 s to 6 h: a tick is 15 s, a retry backs off up to an hour.
/// Seconds waited for send permits, from 1 ms (a free permit) to the 5-minute pause cap.
const QUOTA_WAIT_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 300.0,
];
const LATENESS_BUCKETS: [f64; 12] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0,
];

impl Metrics {
    pub fn new() -> Self {
        let mut r = Registry::with_prefix("aftercare");
        let m = Self {
            registry: Arc::default(),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS)),
            deliveries: Family::default(),
            provider_duration: Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS)),
            lateness: Family::new_with_constructor(|| Histogram::new(LATENESS_BUCKETS)),
            quota_wait: Family::new_with_constructor(|| Histogram::new(QUOTA_WAIT_BUCKETS)),
            throttled: Family::default(),
            quota_deferred: Family::default(),
            paused_until: Family::default(),
            push_config_errors: Family::default(),
            push_faults: PushFaults::default(),
            resolved: ResolvedSeries::default(),
            sms_segments: Family::default(),
            dispatch_ticks: Counter::default(),
            dispatch_errors: Counter::default(),
            dispatch_last_success: Gauge::default(),
            prompts_claimed: Counter::default(),
            worker_wakeups: Family::default(),
            worker_listening: Gauge::default(),
            lease_recoveries: Family::default(),
            backlog: Gauge::default(),
            outbox_depth: Gauge::default(),
            open_escalations: Gauge::default(),
        };
        // (name, help, unit, metric): the exposition lists them in this order.
        let families: Vec<Registration> = vec![
            (
                "http_requests",
                "HTTP requests served",
                None,
                Box::new(m.http_requests.clone()),
            ),
            (
                "http_request_duration",
                "HTTP request latency",
                Some(Unit::Seconds),
                Box::new(m.http_duration.clone()),
            ),
            (
                "deliveries",
                "Provider requests by channel and outcome",
                None,
                Box::new(m.deliveries.clone()),
            ),
            (
                "provider_request_duration",
                "Provider request latency by channel",
                Some(Unit::Seconds),
                Box::new(m.provider_duration.clone()),
            ),
            (
                "delivery_lateness",
                "Sent minus due of delivered prompts, by channel",
                Some(Unit::Seconds),
                Box::new(m.lateness.clone()),
            ),
            (
                "push_quota_wait",
                "Time a prompt's sends waited for the provider's shared send permits, by channel",
                Some(Unit::Seconds),
                Box::new(m.quota_wait.clone()),
            ),
            (
                "push_throttled",
                "429 answers from a push provider (each pauses the project for every worker)",
                None,
                Box::new(m.throttled.clone()),
            ),
            (
                "push_quota_deferred",
                "Prompts put back unsent because the provider's permits would come after their lease",
                None,
                Box::new(m.quota_deferred.clone()),
            ),
            (
                "push_paused_until_timestamp",
                "Unix time until which this process saw the provider's project paused by a 429",
                Some(Unit::Seconds),
                Box::new(m.paused_until.clone()),
            ),
            (
                "push_config_errors",
                "Push sends a provider refused for our own settings (topic, credentials, project), by provider and reason",
                None,
                Box::new(m.push_config_errors.clone()),
            ),
            (
                "sms_segments",
                "SMS segments of the texts the provider accepted, by encoding (gsm7, ucs2)",
                None,
                Box::new(m.sms_segments.clone()),
            ),
            (
                "dispatch_ticks",
                "Dispatch ticks run",
                None,
                Box::new(m.dispatch_ticks.clone()),
            ),
            (
                "dispatch_errors",
                "Prompts whose processing failed",
                None,
                Box::new(m.dispatch_errors.clone()),
            ),
            (
                "dispatch_last_success_timestamp",
                "Unix time of the dispatch loop's last progress",
                Some(Unit::Seconds),
                Box::new(m.dispatch_last_success.clone()),
            ),
            (
                "prompts_claimed",
                "Prompts leased for delivery",
                None,
                Box::new(m.prompts_claimed.clone()),
            ),
            (
                "worker_wakeups",
                "Runs of the dispatch and clinic-alert jobs, by what woke them",
                None,
                Box::new(m.worker_wakeups.clone()),
            ),
            (
                "worker_listening",
                "1 while the worker listens for PostgreSQL notifications, else 0",
                None,
                Box::new(m.worker_listening.clone()),
            ),
            (
                "lease_recoveries",
                "Expired leases returned to their queue",
                None,
                Box::new(m.lease_recoveries.clone()),
            ),
            (
                "prompt_backlog",
                "Prompts due and waiting to be claimed (at scrape time)",
                None,
                Box::new(m.backlog.clone()),
            ),
            (
                "clinic_alert_outbox_depth",
                "Urgent clinic alerts not yet emailed (at scrape time)",
                None,
                Box::new(m.outbox_depth.clone()),
            ),
            (
                "open_escalations",
                "Escalations not yet resolved by their clinic (at scrape time)",
                None,
                Box::new(m.open_escalations.clone()),
            ),
        ];
        for (name, help, unit, metric) in families {
            match unit {
                Some(unit) => r.register_with_unit(name, help, unit, Boxed(metric)),
                None => r.register(name, help, Boxed(metric)),
            }
        }
        Self {
            registry: Arc::new(r),
            ..m
        }
    }

    /// The OpenMetrics text exposition (serve it as [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    /// Sets the queue gauges from the database. A failed query leaves them as they were and is
    /// logged: the scrape still answers, and the health endpoints report the database.
    pub async fn refresh(&self, db: &Db) {
        let now = crate::time::now();
        match db
            .run(move |conn| crate::db::gauges::snapshot(conn, now))
            .await
        {
            Ok(g) => {
                self.backlog.set(g.backlog);
                self.outbox_depth.set(g.outbox);
                self.open_escalations.set(g.open_escalations);
            }
            Err(e) => tracing::warn!(error = %e, "metrics: queue gauges not refreshed"),
        }
    }

    /// The job `job` was woken for `reason` (see [`WakeupLabels`]).
    pub fn wakeup(&self, job: &str, reason: &str) {
        self.worker_wakeups
            .get_or_create(&WakeupLabels {
                job: job.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// How often `job` was woken for `reason` so far.
    pub fn wakeups(&self, job: &str, reason: &str) -> u64 {
        self.worker_wakeups
            .get_or_create(&WakeupLabels {
                job: job.to_owned(),
                reason: reason.to_owned(),
            })
            .get()
    }

    /// `provider` refused our settings for `reason`: counted, and noted for the readiness
    /// probes; `true` when the cause opens (first seen, or first after 10 minutes without it).
    pub fn push_config_error(&self, provider: &str, reason: &str) -> bool {
        self.push_config_errors
            .get_or_create(&PushFaultLabels {
                provider: provider.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
        self.push_faults
            .record(provider, reason, chrono::Utc::now())
    }

    /// A prompt's sends on `channel` waited `seconds` for send permits.
    pub fn quota_waited(&self, channel: &'static str, seconds: f64) {
        Self::channel(
            &self.quota_wait,
            &self.resolved.quota_wait,
            channel,
            seconds,
        );
    }

    /// `count` expired leases of `queue` went back to it.
    pub fn leases_recovered(&self, queue: &str, count: usize) {
        self.lease_recoveries
            .get_or_create(&QueueLabels {
                queue: queue.to_owned(),
            })
            .inc_by(count as u64);
    }
}
