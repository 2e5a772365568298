//! The PostgreSQL wake-up: one thread holds a dedicated connection that listens on
//! `aftercare_prompts_due` and `aftercare_clinic_alerts_due` (see `shared::db::notify` for what
//! sends them) and rings the dispatch or clinic-alert job as soon as one arrives, so work written
//! due now goes out within about [`POLL`] plus the drain instead of at the next cron tick.
//!
//! diesel's connection does not hand out its socket, so the thread reads the connection without
//! blocking every [`POLL`] (a `recv` on a local buffer, no round trip) and sends a `SELECT 1`
//! every [`PING`] to notice a connection that died silently. Notifications that arrive between
//! two polls ring once. When the connection is lost it reconnects with backoff (from
//! [`BACKOFF_MIN`], doubling to [`BACKOFF_MAX`]); meanwhile the cron tick is the fallback, and
//! after each (re)connect both jobs run once, since notifications sent while nobody listened
//! are lost. A panic inside the driver is caught and handled like a lost connection.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use shared::db::notify::Listener;
use shared::metrics::Metrics;
use tokio::sync::watch;

use crate::wake::{Reason, Wakes};

/// How often the connection is read for notifications.
pub const POLL: Duration = Duration::from_millis(100);
/// How often an idle connection is checked with a round trip.
pub const PING: Duration = Duration::from_secs(10);
/// First wait before reconnecting.
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest wait between reconnection attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Starts the listening thread for the PostgreSQL `url`. It stops within [`POLL`] once `stop`
/// turns true or its sender is dropped.
pub fn spawn(
    url: String,
    wakes: Wakes,
    metrics: Metrics,
    stop: watch::Receiver<bool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("aftercare-listen".into())
        .spawn(move || run(&url, &wakes, &metrics, &stop))
}

fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Sleeps `d` in [`POLL`] steps; `false` when stopped meanwhile.
fn sleep(d: Duration, stop: &watch::Receiver<bool>) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if stopped(stop) {
            return false;
        }
        std::thread::sleep(POLL.min(until - Instant::now()));
    }
    !stopped(stop)
}

fn run(url: &str, wakes: &Wakes, metrics: &Metrics, stop: &watch::Receiver<bool>) {
    let mut backoff = BACKOFF_MIN;
    while !stopped(stop) {
        // A panic in the driver (connect, poll or ping) costs this connection, not the thread:
        // it is counted as a lost connection and retried with the same backoff.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            connect_and_listen(url, wakes, metrics, stop, &mut backoff)
        }));
        metrics.worker_listening.set(0);
        match attempt {
            Ok(Attempt::Stopped) => return,
            Ok(Attempt::Lost(e)) => tracing::warn!(
                error = %e,
                "notification listener lost its connection; the cron tick runs dispatch until it reconnects"
            ),
            Ok(Attempt::NotConnected(e)) => tracing::warn!(
                error = %e,
                retry_in_ms = backoff.as_millis() as u64,
                "notification listener cannot connect; the cron tick runs dispatch meanwhile"
            ),
            Err(_) => tracing::error!(
                retry_in_ms = backoff.as_millis() as u64,
                "notification listener panicked; the cron tick runs dispatch until it reconnects"
            ),
        }
        if !sleep(backoff, stop) {
            return;
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// How one connection's life ended.
enum Attempt {
    /// Stopped on request.
    Stopped,
    /// Connected, then lost the connection.
    Lost(shared::Error),
    /// Could not connect.
    NotConnected(shared::Error),
}

fn connect_and_listen(
    url: &str,
    wakes: &Wakes,
    metrics: &Metrics,
    stop: &watch::Receiver<bool>,
    backoff: &mut Duration,
) -> Attempt {
    let mut listener = match Listener::connect(url) {
        Ok(listener) => listener,
        Err(e) => return Attempt::NotConnected(e),
    };
    *backoff = BACKOFF_MIN;
    metrics.worker_listening.set(1);
    tracing::info!("listening for due prompts and clinic alerts");
    wakes.catch_up();
    match listen(&mut listener, wakes, stop) {
        Some(e) => Attempt::Lost(e),
        None => Attempt::Stopped,
    }
}

/// Polls until stopped (`None`) or the connection fails (the error).
fn listen(
    listener: &mut Listener,
    wakes: &Wakes,
    stop: &watch::Receiver<bool>,
) -> Option<shared::Error> {
    let mut pinged = Instant::now();
    loop {
        let due = match listener.poll() {
            Ok(due) => due,
            Err(e) => return Some(e),
        };
        if due.prompts {
            wakes.dispatch.ring(Reason::Notify);
        }
        if due.clinic_alerts {
            wakes.clinic_alerts.ring(Reason::Notify);
        }
        if due.any() {
            tracing::debug!(
                prompts = due.prompts,
                clinic_alerts = due.clinic_alerts,
                "notified"
            );
        }
        if pinged.elapsed() >= PING {
            if let Err(e) = listener.ping() {
                return Some(e);
            }
            pinged = Instant::now();
        }
        if !sleep(POLL, stop) {
            return None;
        }
    }
}
