//! Whether the delivery loop is alive, as `/healthz` (the worker's) and `/readyz` (the API's, when
//! the loop is embedded) report it: healthy while a dispatch tick has made progress — claimed a
//! batch, even an empty one, or recorded a prompt's outcome — within three tick intervals. One
//! failed or slow tick is tolerated; a dead database, a stuck tick or a stopped loop turns it
//! unhealthy within three intervals.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::metrics::Metrics;
use chrono::Utc;

/// Missed intervals after which the loop counts as stalled.
pub const STALE_AFTER_TICKS: u32 = 3;

/// The dispatch loop's heartbeat; cheap to clone, every clone sees the same beats.
#[derive(Clone, Debug)]
pub struct Heartbeat {
    /// Unix milliseconds of the last progress, or of the start (a grace of three intervals
    /// before the first tick, so a new process is not killed before it had a chance).
    last: Arc<AtomicI64>,
    /// Three tick intervals, in milliseconds.
    window_ms: i64,
    metrics: Metrics,
}

/// What [`Heartbeat::status`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub healthy: bool,
    /// Seconds since the last progress (or the start).
    pub since_secs: i64,
}

impl Heartbeat {
    /// A heartbeat for a loop ticking on `schedule`, counting from now.
    pub fn new(schedule: &cron::Schedule, metrics: Metrics) -> Self {
        let window = tick_interval(schedule) * STALE_AFTER_TICKS;
        Self {
            last: Arc::new(AtomicI64::new(Utc::now().timestamp_millis())),
            window_ms: i64::try_from(window.as_millis()).unwrap_or(i64::MAX),
            metrics,
        }
    }

    /// Records progress now, and exports it as `aftercare_dispatch_last_success_timestamp_seconds`.
    pub fn beat(&self) {
        let now = Utc::now().timestamp_millis();
        self.last.store(now, Ordering::Relaxed);
        self.metrics.dispatch_last_success.set(now as f64 / 1000.0);
    }

    pub fn status(&self) -> Status {
        let age_ms = Utc::now().timestamp_millis() - self.last.load(Ordering::Relaxed);
        Status {
            healthy: age_ms <= self.window_ms,
            since_secs: age_ms / 1000,
        }
    }
}

/// The longest gap between the schedule's next runs (an irregular cron such as "at 0, 10 and
/// 50 seconds" is judged by its longest pause); one minute for a schedule with no future run.
pub fn tick_interval(schedule: &cron::Schedule) -> Duration {
    let runs: Vec<_> = schedule.upcoming(Utc).take(16).collect();
    runs.windows(2)
        .filter_map(|w| (w[1] - w[0]).to_std().ok())
        .max()
        .unwrap_or(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn schedule(expr: &str) -> cron::Schedule {
        cron::Schedule::from_str(expr).unwrap()
    }

    #[test]
    fn the_interval_is_the_longest_gap_of_the_schedule() {
        assert_eq!(
            tick_interval(&schedule("*/15 * * * * *")),
            Duration::from_secs(15)
        );
        assert_eq!(
            tick_interval(&schedule("0,10,50 * * * * *")),
            Duration::from_secs(40)
        );
        assert_eq!(
            tick_interval(&schedule("0 * * * * *")),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn healthy_until_three_intervals_pass_without_progress() {
        let h = Heartbeat::new(&schedule("* * * * * *"), Metrics::new());
        assert!(h.status().healthy, "a new loop has its grace");
        h.last.fetch_sub(2_500, Ordering::Relaxed);
        assert!(h.status().healthy);
        h.last.fetch_sub(1_000, Ordering::Relaxed);
        assert_eq!(
            h.status(),
            Status {
                healthy: false,
                since_secs: 3
            }
        );
        h.beat();
        assert!(h.status().healthy);
        assert!(
            Metrics::new()
                .render()
                .contains("aftercare_dispatch_last_success_timestamp_seconds")
        );
    }
}
