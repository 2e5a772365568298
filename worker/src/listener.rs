//! The PostgreSQL wake-up: one thread holds a dedicated connection that listens on
//! `aftercare_prompts_due` and `aftercare_clinic_alerts_due` (the triggers of migration
//! `2026-12-01-000002_due_notify` send them) and rings the dispatch or clinic-alert job as soon
//! as one arrives, so work written due now goes out within about [`POLL`] plus the drain instead
//! of at the next cron tick.
//!
//! diesel's connection does not hand out its socket, so the thread reads the connection without
//! blocking every [`POLL`] (a `recv` on a local buffer, no round trip) and sends a `SELECT 1`
//! every [`PING`] to notice a connection that died silently. Notifications that arrive between
//! two polls ring once. When the connection is lost it reconnects with backoff (from
//! [`BACKOFF_MIN`], doubling to [`BACKOFF_MAX`], back to the minimum only after a connection
//! that answered at least one ping); meanwhile the cron tick is the fallback, and
//! after each (re)connect both jobs run once, since notifications sent while nobody listened
//! are lost. A panic inside the driver is caught and handled like a lost connection.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use shared::care::delivery::Listener;
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
        let mut proven = false;
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            connect_and_listen(url, wakes, metrics, stop, &mut proven)
        }));
        metrics.worker_listening.set(0);
        backoff = wait_before_retry(backoff, proven);
        let retry_in_ms = backoff.as_millis() as u64;
        match attempt {
            Ok(Attempt::Stopped) => return,
            Ok(Attempt::Lost(e)) => tracing::warn!(
                error = %e,
                retry_in_ms,
                "notification listener lost its connection; the cron tick runs dispatch until it reconnects"
            ),
            Ok(Attempt::NotConnected(e)) => tracing::warn!(
                error = %e,
                retry_in_ms,
                "notification listener cannot connect; the cron tick runs dispatch meanwhile"
            ),
            Err(payload) => tracing::error!(
                panic = panic_message(payload.as_ref()),
                retry_in_ms,
                "notification listener panicked; the cron tick runs dispatch until it reconnects"
            ),
        }
        if !sleep(backoff, stop) {
            return;
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// The wait before the next attempt, given the current backoff and whether the last connection
/// proved healthy (answered at least one [`PING`]). Only a proven connection earns a quick
/// retry; one that fails at once (a panic on the first poll, a server that drops every session)
/// or dies silently before its first ping keeps backing off.
fn wait_before_retry(backoff: Duration, proven: bool) -> Duration {
    if proven { BACKOFF_MIN } else { backoff }
}

/// The text of a panic's payload (`panic!` with a literal or a formatted message).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a non-text panic payload)")
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

/// Connects and listens until stopped or lost; `proven` turns true at the first answered ping.
fn connect_and_listen(
    url: &str,
    wakes: &Wakes,
    metrics: &Metrics,
    stop: &watch::Receiver<bool>,
    proven: &mut bool,
) -> Attempt {
    let mut listener = match Listener::connect(url) {
        Ok(listener) => listener,
        Err(e) => return Attempt::NotConnected(e),
    };
    metrics.worker_listening.set(1);
    tracing::info!("listening for due prompts and clinic alerts");
    wakes.catch_up();
    match listen(&mut listener, wakes, stop, proven) {
        Some(e) => Attempt::Lost(e),
        None => Attempt::Stopped,
    }
}

/// Polls until stopped (`None`) or the connection fails (the error); sets `proven` once a ping
/// was answered.
fn listen(
    listener: &mut Listener,
    wakes: &Wakes,
    stop: &watch::Receiver<bool>,
    proven: &mut bool,
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
            *proven = true;
            pinged = Instant::now();
        }
        if !sleep(POLL, stop) {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_that_answered_a_ping_resets_the_backoff() {
        let long = Duration::from_secs(8);
        assert_eq!(wait_before_retry(long, false), long);
        assert_eq!(wait_before_retry(long, true), BACKOFF_MIN);
    }

    #[test]
    fn panic_payloads_are_read_as_text() {
        let literal = std::panic::catch_unwind(|| panic!("driver state")).unwrap_err();
        assert_eq!(panic_message(literal.as_ref()), "driver state");
        let formatted = std::panic::catch_unwind(|| panic!("code {}", 7)).unwrap_err();
        assert_eq!(panic_message(formatted.as_ref()), "code 7");
    }
}
