//! The FCM project's send rate, and the SMS sender's ([`Gate::sms`]), shared by every worker
//! through the database, and their pause after a 429.
//!
//! FCM allows a project 600,000 messages a minute by default
//! (firebase.google.com/docs/cloud-messaging/throttling-and-quotas) and answers 429 with a
//! `Retry-After` above it. Time is cut into one-second windows of `AFTERCARE_FCM_QUOTA_PER_MINUTE
//! / 60` permits each, so no minute, however aligned to the windows, holds more than the quota.
//! A worker reserves a window's permits in chunks, one upsert per chunk
//! ([`shared::care::delivery::reserve_quota`]), and this gate hands them to its own sends in flight; the
//! database is the only authority between workers, the in-process mutex only orders this
//! worker's sends. A window that is spent is waited out (a sleep until the next one, no busy
//! loop). Permits reserved but not used — the window ended first, or the drain did — are lost:
//! at most one chunk per worker per window, so the workers together may send a little less
//! than the quota, never more.
//!
//! A 429 pauses the project for every worker: `paused_until = now + Retry-After` (60 s when
//! the header is missing, at most 5 minutes) is written to the same row, which every
//! reservation reads. A send never waits past its lease's margin: when permits would come
//! later, the prompt goes back to the queue for then, unsent and with no attempt counted.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, DurationRound, NaiveDateTime};
use shared::care::delivery::{self, MAX_PAUSE_SECS as QUOTA_MAX_PAUSE_SECS};
use shared::care::outbox::Resolution;
use shared::config::Config;
use shared::time::{now, to_utc};
use tokio::sync::{Mutex, watch};

use crate::Worker;

/// Permits are not handed out in a window's last moment: a send started then could reach the
/// provider in the next window and be counted there.
const END_MARGIN_MS: i64 = 50;
/// While a pause lasts, the row is read again this often (a pause may lengthen; the read is
/// also the waiting loop's proof of life for the health check).
const RECHECK_SECS: i64 = 10;
/// A 429 without `Retry-After` pauses the project this long.
const DEFAULT_PAUSE_SECS: u64 = 60;
/// A `Retry-After` above this is capped: a wrong header must not stop every worker's FCM sends
/// for hours; a project still over its quota answers 429 again and pauses again.
const MAX_PAUSE_SECS: u64 = QUOTA_MAX_PAUSE_SECS.unsigned_abs();

/// One provider project's shared send rate as one worker sees it.
#[derive(Debug)]
pub struct Gate {
    /// The project's row in `push_quotas`, e.g. `fcm:my-project` or `sms:+15017122661`.
    key: String,
    /// The metrics' `channel` label and the logs' provider: `fcm` or `sms`.
    channel: &'static str,
    /// Permits in one one-second window, all workers together.
    capacity: i64,
    /// Permits reserved per round trip.
    chunk: i64,
    local: Mutex<Local>,
}

/// Permits this worker reserved and has not handed out yet, and what it knows of the row.
#[derive(Debug)]
struct Local {
    /// Usable from the start of `window` until `END_MARGIN_MS` before its end.
    left: i64,
    window: NaiveDateTime,
    /// Nothing is to be had before this instant (the window is spent, or the project paused).
    closed_until: NaiveDateTime,
    /// The end of a pause this worker saw itself (a 429), which stands even when the row could
    /// not be written.
    paused_until: NaiveDateTime,
    /// When the row was last read.
    checked_at: NaiveDateTime,
}

/// No permit now: when the next one may come, and when to look again (sooner during a pause).
#[derive(Debug, Clone, Copy)]
struct Wait {
    not_before: NaiveDateTime,
    look_again: NaiveDateTime,
}

impl Wait {
    fn until(at: NaiveDateTime) -> Self {
        Self {
            not_before: at,
            look_again: at,
        }
    }
}

/// What a send waiting for a permit gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Send now.
    Go,
    /// No permit before this instant, which is past the send's deadline.
    NotBefore(NaiveDateTime),
    /// The worker is stopping.
    Stopped,
}

impl Gate {
    /// The FCM project's gate, when FCM is configured. A chunk is the send window
    /// (`AFTERCARE_SENDS_IN_FLIGHT`), or a sixteenth of the window when that is more, so a
    /// large quota costs a few round trips a second; but never more than a quarter of the
    /// window, so a small quota is shared by at least four reservations a second (one worker
    /// cannot take a whole second's permits for one send).
    pub fn fcm(config: &Config) -> Option<Arc<Self>> {
        let fcm = config.fcm.as_ref()?;
        let capacity = (fcm.quota_per_minute / 60).max(1);
        let in_flight = i64::try_from(config.worker.sends_in_flight).unwrap_or(1);
        Some(Self::new(
            format!("fcm:{}", fcm.project_id),
            "fcm",
            capacity,
            in_flight,
        ))
    }

    /// The SMS sender's gate, when texts are configured: `AFTERCARE_SMS_RATE_PER_SEC` permits a
    /// second for the sender (the `From` number or the messaging service), every worker
    /// together, on the row `sms:<sender>`. Carriers and Twilio queue or refuse a long code's
    /// texts above about one a second (www.twilio.com/docs/messaging/guides/scaling-queueing-latency);
    /// a provider 429 (or Twilio's 20429 / 14107) pauses the sender for every worker as FCM's
    /// does. Chunks as for [`Gate::fcm`]: one permit a reservation at the default rate.
    pub fn sms(config: &Config) -> Option<Arc<Self>> {
        let sms = config.sms.as_ref()?;
        let in_flight = i64::try_from(config.worker.sends_in_flight).unwrap_or(1);
        let key = format!("sms:{}", sms.sender.as_str());
        Some(Self::new(
            key,
            "sms",
            i64::from(sms.rate_per_sec),
            in_flight,
        ))
    }

    fn new(key: String, channel: &'static str, capacity: i64, in_flight: i64) -> Arc<Self> {
        let capacity = capacity.max(1);
        Arc::new(Self {
            key,
            channel,
            capacity,
            chunk: in_flight.max(capacity / 16).min(capacity / 4).max(1),
            local: Mutex::new(Local {
                left: 0,
                window: NaiveDateTime::MIN,
                closed_until: NaiveDateTime::MIN,
                paused_until: NaiveDateTime::MIN,
                checked_at: NaiveDateTime::MIN,
            }),
        })
    }

    /// The row's key in `push_quotas`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Waits for one send permit until `deadline`; gives up with [`Permit::NotBefore`] as soon
    /// as it knows the next permit comes later, and with [`Permit::Stopped`] when `stop` is set.
    pub async fn acquire(
        &self,
        w: &Worker,
        deadline: NaiveDateTime,
        stop: &watch::Receiver<bool>,
    ) -> Permit {
        let mut stop = stop.clone();
        loop {
            if *stop.borrow() {
                return Permit::Stopped;
            }
            let wait = match self.try_take(w).await {
                // Waiting for the gate (other sends' reservations) may itself have run past
                // the deadline: a permit that late would eat into the lease's margin.
                None if now() > deadline => return Permit::NotBefore(now()),
                None => return Permit::Go,
                Some(wait) => wait,
            };
            if wait.not_before > deadline {
                return Permit::NotBefore(wait.not_before);
            }
            let wait = (wait.look_again - now()).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = stop.changed() => {
                    // No sender left: nobody can ask for a stop any more, so just wait.
                    if changed.is_err() {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
    }

    /// Takes a permit if one is to be had now (reserving a chunk if needed); otherwise says
    /// when the next one may come and when to try again.
    async fn try_take(&self, w: &Worker) -> Option<Wait> {
        let mut local = self.local.lock().await;
        let t = now();
        let margin = Duration::milliseconds(END_MARGIN_MS);
        let window_end = local.window + Duration::seconds(1) - margin;
        if local.left > 0 && t >= local.window && t < window_end {
            local.left -= 1;
            return None;
        }
        if local.left > 0 && t < local.window {
            return Some(Wait::until(local.window));
        }
        let recheck = local.checked_at + Duration::seconds(RECHECK_SECS);
        if t < local.closed_until && t < recheck {
            return Some(Wait {
                not_before: local.closed_until,
                look_again: local.closed_until.min(recheck),
            });
        }
        // Reserve in the window this send would land in; a chunk reserved in the window's last
        // moment belongs to the next one.
        let window = (t + margin)
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(t);
        let grant =
            delivery::reserve_quota(&w.db, &self.key, self.chunk, self.capacity, window, t).await;
        let grant = match grant {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, channel = self.channel, "could not reserve send permits");
                return Some(Wait::until(t + Duration::seconds(1)));
            }
        };
        // A reservation is the drain's proof of life while it waits out a spent window or a
        // pause.
        w.health.beat();
        local.checked_at = t;
        // A pause this worker saw but could not write stands until it ends, whatever the
        // row says.
        let paused_until = grant
            .paused_until
            .into_iter()
            .chain((local.paused_until > t).then_some(local.paused_until))
            .max();
        if let Some(until) = paused_until.filter(|u| *u > t) {
            self.show_pause(w, until);
            local.left = 0;
            local.closed_until = until;
            return Some(Wait {
                not_before: until,
                look_again: until.min(t + Duration::seconds(RECHECK_SECS)),
            });
        }
        if grant.granted == 0 {
            // Spent by the workers together: the next window is the earliest chance.
            local.left = 0;
            local.closed_until = grant.window_start.max(window) + Duration::seconds(1);
            return Some(Wait::until(local.closed_until));
        }
        // Permits left of an older window are lost with it.
        local.left = grant.granted;
        local.window = grant.window_start;
        if t >= local.window {
            local.left -= 1;
            return None;
        }
        Some(Wait::until(local.window))
    }

    /// Records a 429: pauses the project for every worker until `Retry-After` (see the module
    /// notes for the default and the cap). This worker stops at once, even if the database
    /// cannot be written.
    pub async fn throttled(&self, w: &Worker, retry_after: Option<std::time::Duration>) {
        w.metrics.throttled.get_or_create(&self.labels()).inc();
        let secs = retry_after
            .map(|d| d.as_secs().max(1))
            .unwrap_or(DEFAULT_PAUSE_SECS)
            .min(MAX_PAUSE_SECS);
        let t = now();
        let until = t + Duration::seconds(i64::try_from(secs).unwrap_or(60));
        self.close_until(until).await;
        match delivery::pause_quota(&w.db, &self.key, until, t).await {
            Ok(in_force) => {
                self.close_until(in_force).await;
                self.show_pause(w, in_force);
                tracing::warn!(channel = self.channel, paused_until = %in_force, "provider answered 429: sends paused for every worker");
            }
            Err(e) => {
                self.show_pause(w, until);
                tracing::error!(error = %e, channel = self.channel, "provider answered 429; the pause could not be shared");
            }
        }
    }

    async fn close_until(&self, until: NaiveDateTime) {
        let mut local = self.local.lock().await;
        local.left = 0;
        local.closed_until = local.closed_until.max(until);
        local.paused_until = local.paused_until.max(until);
        local.checked_at = now();
    }

    fn show_pause(&self, w: &Worker, until: NaiveDateTime) {
        let unix = to_utc(until).timestamp_millis() as f64 / 1000.0;
        w.metrics
            .paused_until
            .get_or_create(&self.labels())
            .set(unix);
    }

    fn labels(&self) -> shared::metrics::ChannelLabels {
        shared::metrics::ChannelLabels {
            channel: self.channel.to_owned(),
        }
    }
}

fn channel() -> shared::metrics::ChannelLabels {
    shared::metrics::ChannelLabels {
        channel: "fcm".to_owned(),
    }
}

/// Takes `sends` FCM permits for one prompt before anything of it is sent; `Err` says how to
/// resolve the prompt instead (back to the queue, unsent) when they would come after
/// `deadline` or the worker is stopping.
pub(crate) async fn permits(
    w: &Worker,
    sends: usize,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
) -> Result<(), Resolution> {
    let Some(gate) = w.push.fcm_quota.as_ref().filter(|_| sends > 0) else {
        return Ok(());
    };
    let started = Instant::now();
    for _ in 0..sends {
        match gate.acquire(w, deadline, stop).await {
            Permit::Go => {}
            Permit::NotBefore(at) => {
                w.metrics.quota_deferred.get_or_create(&channel()).inc();
                return Err(Resolution::Defer { at });
            }
            Permit::Stopped => return Err(Resolution::Release),
        }
    }
    w.metrics
        .quota_waited("fcm", started.elapsed().as_secs_f64());
    Ok(())
}
