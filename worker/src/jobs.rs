//! Periodic jobs, each period claimed once across all workers in `job_runs`: the clinics' daily
//! digest of open escalations (one period per clinic and local day) and the daily upkeep: pruning
//! old attempt records, and filling missing patient search keys (one period per UTC day).

use chrono::{Duration, NaiveDateTime, TimeZone as _, Timelike};
use shared::care::delivery::{self, Digest};
use shared::mail::prompt::digest_email;
use shared::time::now;

use crate::Worker;

const DIGEST_JOB: &str = "escalation_digest";

/// The local hours in which a clinic's digest is due: from 07:00 in its own time zone (the
/// clinic's morning) until noon there. A worker fleet that was down at 07:00 still sends that
/// morning, while an escalation first opened in the afternoon waits for the next morning's
/// digest instead of turning it into an afternoon email (urgent ones reach the clinic at once,
/// see `crate::alerts`).
pub const DIGEST_HOURS: std::ops::Range<u32> = 7..12;

/// Claims today's period of `job` for this worker; `None` when another worker has it.
async fn claim_today(w: &Worker, job: &'static str) -> Result<Option<String>, shared::Error> {
    let period = now().date().format("%Y-%m-%d").to_string();
    let won =
        delivery::claim_period(&w.db, job, &period, &w.config.worker.worker_id, now()).await?;
    Ok(won.then_some(period))
}

async fn finish(w: &Worker, job: &'static str, period: String) -> Result<(), shared::Error> {
    delivery::finish_period(&w.db, job, &period, now()).await
}

/// Runs the digest as of now; see [`digest_at`].
pub async fn digest(w: &Worker) -> Result<(), shared::Error> {
    digest_at(w, now()).await.map(|_| ())
}

/// Emails each clinic with open escalations a count and a link (no patient details), once per
/// local day, in the [`DIGEST_HOURS`] of the clinic's own time zone. `at` is the current UTC
/// time (a parameter so tests can stand anywhere in the day). The period
/// `"<clinic_id>:<local date>"` of `escalation_digest` is claimed before sending, so N workers
/// send it once; a clinic none of whose recipients accepted it gets its period back, for a later
/// tick. Returns how many clinics were sent their digest. Errors: database errors, including a
/// clinic's stored time zone that is not an IANA name (corrupt data).
pub async fn digest_at(w: &Worker, at: NaiveDateTime) -> Result<usize, shared::Error> {
    let list = delivery::digests(&w.db).await?;
    let due: Vec<(Digest, String)> = list
        .into_iter()
        .filter_map(|d| {
            let local = d.timezone.0.from_utc_datetime(&at).naive_local();
            let morning = DIGEST_HOURS.contains(&local.hour());
            let period = format!("{}:{}", d.clinic_id, local.date().format("%Y-%m-%d"));
            morning.then_some((d, period))
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let periods: Vec<String> = due.iter().map(|(_, p)| p.clone()).collect();
    let taken = delivery::claimed_periods(&w.db, DIGEST_JOB, periods).await?;
    let mut sent = 0;
    for (d, period) in due.into_iter().filter(|(_, p)| !taken.contains(p)) {
        let worker_id = &w.config.worker.worker_id;
        let won = delivery::claim_period(&w.db, DIGEST_JOB, &period, worker_id, at).await?;
        if !won {
            continue;
        }
        let accepted = send_digest(w, &d).await;
        if accepted == 0 && !d.recipients.is_empty() {
            // Nobody got it: give the day back so a later tick this morning tries again.
            delivery::unclaim_period(&w.db, DIGEST_JOB, &period, worker_id).await?;
            continue;
        }
        if d.recipients.is_empty() {
            tracing::warn!(clinic_id = %d.clinic_id, "digest has no recipient: no contact address and no active admin");
        }
        delivery::finish_period(&w.db, DIGEST_JOB, &period, now()).await?;
        sent += usize::from(accepted > 0);
    }
    if sent > 0 {
        tracing::info!(clinics = sent, "escalation digests sent");
    }
    Ok(sent)
}

/// Sends one clinic's digest to each of its recipients; returns how many accepted it.
async fn send_digest(w: &Worker, d: &Digest) -> usize {
    let mut accepted = 0;
    for to in &d.recipients {
        let mail = digest_email(to, &d.clinic_name, d.open, d.urgent, &w.config.public_url);
        match w.mailer.send(&mail).await {
            Ok(()) => accepted += 1,
            Err(e) => {
                tracing::warn!(clinic_id = %d.clinic_id, error = %e, "digest email not sent")
            }
        }
    }
    accepted
}

/// Deletes delivery attempt records older than `AFTERCARE_PRUNE_AFTER_DAYS` and expired
/// console sessions, and fills patient search keys a previous release's process left out.
pub async fn prune(w: &Worker) -> Result<(), shared::Error> {
    const JOB: &str = "prune_deliveries";
    let Some(period) = claim_today(w, JOB).await? else {
        return Ok(());
    };
    let before = now() - Duration::days(w.config.worker.prune_after_days);
    let n = delivery::prune_attempts(&w.db, before).await?;
    tracing::info!(deleted = n, "old delivery records pruned");
    let n = delivery::prune_console_sessions(&w.db, now()).await?;
    tracing::info!(deleted = n, "expired console sessions pruned");
    let n = delivery::fill_search_keys(&w.db).await?;
    if n > 0 {
        tracing::info!(written = n, "missing patient search keys filled");
    }
    finish(w, JOB, period).await
}
