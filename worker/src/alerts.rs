//! Clinic alerts: an urgent escalation's email to the clinic's active admins and clinicians,
//! drained from the `clinic_alerts` outbox on every dispatch tick (every 15 s by default, so an
//! alert goes out well within a minute of the check-in) and, on PostgreSQL, as soon as the
//! check-in commits (the `aftercare_clinic_alerts_due` notification, [`crate::listener`]).
//!
//! The prompt path's discipline (`crate::dispatch`): the claim commits before any SMTP I/O, each
//! alert's outcome is recorded right after its own round of emails, guarded by the lease. A
//! worker killed in between leaves a lease that expires; the alert is then sent again, with the
//! same `Message-ID`, so the recipients' mail clients see the same message. A round with a
//! temporary failure is retried whole (with that same id) after a backoff.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::Duration;
use shared::db::alerts::{self, AlertOutcome, ClinicAlert, Recipients};
use shared::domain::ClinicId;
use shared::mail::MailError;
use shared::mail::alert::{clinic_alert_email, clinic_alert_message_id};
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::channels::one_line;

/// Alerts of one batch sent at the same time (each one email per recipient, in turn).
pub const CONCURRENCY: usize = 4;

/// Label of the alert emails in `aftercare_deliveries_total`.
const CHANNEL: &str = "clinic_alert";

/// Claims and sends batches until nothing is due or `stop` is set. Returns how many alerts were
/// resolved (sent, retried or failed).
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> Result<usize, shared::Error> {
    let mut resolved = 0;
    loop {
        if *stop.borrow() {
            return Ok(resolved);
        }
        let (batch, to) = claim(w).await?;
        let claimed = batch.len();
        resolved += send_batch(w, batch, Arc::new(to), stop).await;
        if (claimed as i64) < w.config.worker.batch_size {
            return Ok(resolved);
        }
    }
}

/// Leases a batch (committed on its own) and reads its clinics' recipients in one query.
async fn claim(
    w: &Worker,
) -> Result<(Vec<ClinicAlert>, HashMap<ClinicId, Recipients>), shared::Error> {
    let worker_id = w.config.worker.worker_id.clone();
    let (limit, lease) = (w.config.worker.batch_size, w.config.worker.lease_secs);
    w.db.run(move |conn| {
        let t = now();
        let batch = alerts::claim_due(conn, &worker_id, t, t + Duration::seconds(lease), limit)?;
        if batch.is_empty() {
            return Ok((batch, HashMap::new()));
        }
        let clinics: BTreeSet<ClinicId> = batch.iter().map(|a| a.clinic_id.clone()).collect();
        let clinics: Vec<ClinicId> = clinics.into_iter().collect();
        let to = alerts::recipients(conn, &clinics)?;
        Ok((batch, to))
    })
    .await
}

async fn send_batch(
    w: &Worker,
    batch: Vec<ClinicAlert>,
    to: Arc<HashMap<ClinicId, Recipients>>,
    stop: &watch::Receiver<bool>,
) -> usize {
    crate::bounded::run(batch, CONCURRENCY, "clinic alert", |alert| {
        let (w, stop, to) = (w.clone(), stop.clone(), to.clone());
        async move {
            let id = alert.id.clone();
            match process(&w, alert, to.as_ref(), &stop).await {
                Ok(done) => done,
                Err(e) => {
                    // The lease expires and the alert returns to the queue.
                    w.metrics.dispatch_errors.inc();
                    tracing::error!(alert_id = %id, error = %e, "could not process clinic alert");
                    false
                }
            }
        }
    })
    .await
}

/// Sends one leased alert to its clinic and records the outcome. `false` when it was handed
/// back unsent.
async fn process(
    w: &Worker,
    alert: ClinicAlert,
    to: &HashMap<ClinicId, Recipients>,
    stop: &watch::Receiver<bool>,
) -> Result<bool, shared::Error> {
    // Stopping, or too little lease left to finish before another worker may take the alert:
    // hand it back unsent rather than risk two live rounds.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let lease_left = alert.lease_expires_at.map(|t| t - now());
    if *stop.borrow() || lease_left.is_none_or(|left| left < margin) {
        record(w, &alert, AlertOutcome::Release).await?;
        return Ok(false);
    }
    let max = w.config.worker.max_attempts;
    let outcome = match to.get(&alert.clinic_id) {
        // The foreign key makes this corrupt data, not a state to wait out.
        None => AlertOutcome::Failed {
            error: "the alert's clinic does not exist".into(),
        },
        Some(r) if r.emails.is_empty() => {
            tracing::warn!(alert_id = %alert.id, clinic_id = %alert.clinic_id, "clinic alert waits: the clinic has no active admin or clinician");
            w.metrics.delivery(CHANNEL, "no_recipient");
            alerts::after_failure(
                &alert,
                max,
                "the clinic has no active admin or clinician".into(),
                now(),
            )
        }
        Some(r) => send_round(w, &alert, r).await,
    };
    record(w, &alert, outcome).await?;
    Ok(true)
}

/// One email per recipient, all with the alert's own `Message-ID`. Any temporary failure makes
/// the round a retry; recipients that refuse for good are noted and not retried.
async fn send_round(w: &Worker, alert: &ClinicAlert, to: &Recipients) -> AlertOutcome {
    let message_id = clinic_alert_message_id(&alert.escalation_id);
    let (mut accepted, mut temporary, mut refused) = (0usize, Vec::new(), Vec::new());
    for address in &to.emails {
        let mail = clinic_alert_email(address, &to.clinic_name, &w.config.public_url);
        let sending = w.mailer.send_with_message_id(&mail, &message_id);
        let label = match w.timed(CHANNEL, sending).await {
            Ok(()) => {
                accepted += 1;
                "sent"
            }
            Err(MailError::Transient(e)) => {
                temporary.push(one_line(&e));
                "retry"
            }
            Err(e) => {
                refused.push(one_line(&e.to_string()));
                "failed"
            }
        };
        w.metrics.delivery(CHANNEL, label);
    }
    tracing::info!(
        alert_id = %alert.id,
        escalation_id = %alert.escalation_id,
        accepted,
        temporary = temporary.len(),
        refused = refused.len(),
        "clinic alert round"
    );
    let total = to.emails.len();
    let note = |kind: &str, errors: &[String]| {
        let first = errors.first().map(String::as_str).unwrap_or_default();
        format!("{} of {total} recipients {kind}: {first}", errors.len())
    };
    if !temporary.is_empty() {
        return match alerts::after_failure(
            alert,
            w.config.worker.max_attempts,
            note("failed", &temporary),
            now(),
        ) {
            // Out of attempts, but the clinic was reached: that is what the alert is for.
            AlertOutcome::Failed { error } if accepted > 0 => AlertOutcome::Sent {
                refused: Some(error),
            },
            other => other,
        };
    }
    if accepted == 0 {
        return AlertOutcome::Failed {
            error: note("refused", &refused),
        };
    }
    AlertOutcome::Sent {
        refused: (!refused.is_empty()).then(|| note("refused", &refused)),
    }
}

async fn record(
    w: &Worker,
    alert: &ClinicAlert,
    outcome: AlertOutcome,
) -> Result<(), shared::Error> {
    let label = match &outcome {
        AlertOutcome::Sent { .. } => "sent",
        AlertOutcome::Retry { .. } => "retry",
        AlertOutcome::Failed { .. } => "failed",
        AlertOutcome::Release => "released",
    };
    let (id, worker_id) = (alert.id.clone(), w.config.worker.worker_id.clone());
    let owned =
        w.db.run(move |c| alerts::resolve(c, &id, &worker_id, &outcome, now()))
            .await?;
    if owned && label == "failed" {
        // A clinic that never heard about an urgent check-in: the on-call person must know.
        w.metrics.delivery(CHANNEL, "given_up");
        tracing::error!(alert_id = %alert.id, escalation_id = %alert.escalation_id, "clinic alert given up: nobody at the clinic was emailed");
    } else if owned {
        tracing::debug!(alert_id = %alert.id, resolution = label, "clinic alert resolved");
    } else {
        // Our lease expired and another worker re-claimed the alert; its record stands.
        tracing::warn!(alert_id = %alert.id, resolution = label, "lease lost before recording; outcome dropped");
    }
    Ok(())
}

/// When the earliest pending alert becomes due (UTC): a retry's backoff ends between ticks, and
/// the scheduler runs the job again then if that comes before the next tick.
pub async fn next_due(w: &Worker) -> Result<Option<chrono::NaiveDateTime>, shared::Error> {
    w.db.run(alerts::next_available_at).await
}

/// Returns alerts with expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> Result<usize, shared::Error> {
    let n =
        w.db.run(|conn| alerts::release_expired_leases(conn, now()))
            .await?;
    w.metrics.leases_recovered("clinic_alerts", n);
    if n > 0 {
        tracing::warn!(
            count = n,
            "returned clinic alerts with expired leases to the queue"
        );
    }
    Ok(n)
}
