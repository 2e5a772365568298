//! Clinic alerts: an urgent escalation's email to the clinic's active admins and clinicians,
//! the clinic alerts' kind of the outbox ([`crate::outbox`]), drained on every dispatch tick
//! (every 15 s by default, so an alert goes out well within a minute of the check-in) and, on
//! PostgreSQL, as soon as the check-in commits (the `aftercare_clinic_alerts_due` notification,
//! [`crate::listener`]).
//!
//! The prompts' pipeline and discipline: the claim commits before any SMTP I/O, a window reads
//! the alerts with their clinics' recipients, and outcomes are recorded guarded by the lease.
//! A send holds its slot until its outcome is written, so a worker killed in between repeats at
//! most [`CONCURRENCY`] alerts' rounds; such an alert is sent again, with the same `Message-ID`,
//! so the recipients' mail clients see the same message. A round with a temporary failure is
//! retried whole (with that same id) after a backoff.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use shared::care::outbox::{self, AlertOutcome, CLINIC_ALERTS, ClinicAlert, Queue, Recipients};
use shared::domain::{ClinicAlertId, EscalationId};
use shared::mail::MailError;
use shared::mail::alert::{clinic_alert_email, clinic_alert_message_id};
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::channels::one_line;
use crate::outbox::{Finished, Kind};

/// Alerts sent at the same time (each one email per recipient, in turn).
pub const CONCURRENCY: usize = 4;

/// Alerts read (with their clinics' recipients) in one trip.
const READ_WINDOW: usize = 256;

/// Label of the alert emails in `aftercare_deliveries_total`.
const CHANNEL: &str = "clinic_alert";

/// Outcome label of an alert email that only went to the log (no SMTP server configured).
const LOGGED: &str = "logged";

/// What such an alert's row records (`clinic_alerts.last_error`): the log is not the clinic.
const LOGGED_NOTE: &str = "written to the log only: SMTP is not configured";

/// The clinic-alert outbox.
pub struct ClinicAlerts;

/// What became of one alert's round, as the recorder writes it.
pub struct Round {
    alert_id: ClinicAlertId,
    escalation_id: EscalationId,
    outcome: AlertOutcome,
}

impl Kind for ClinicAlerts {
    const QUEUE: Queue = CLINIC_ALERTS;
    const NOUN: &'static str = "clinic alert";
    const SLOT_UNTIL_RECORDED: bool = true;
    type Id = ClinicAlertId;
    type Item = (ClinicAlert, Option<Arc<Recipients>>);
    type Outcome = Round;
    type Summary = (ClinicAlertId, EscalationId, &'static str);

    fn window(_: &Worker) -> usize {
        CONCURRENCY
    }

    fn read_window(_: &Worker) -> usize {
        READ_WINDOW
    }

    fn claimed(_: &Worker, _: usize) {}

    fn progressed(_: &Worker) {}

    async fn read(w: &Worker, ids: Vec<ClinicAlertId>) -> shared::Result<Vec<Self::Item>> {
        let (alerts, to) = outbox::alert_window(&w.db, &w.config.worker.worker_id, ids).await?;
        let to: HashMap<_, _> = to.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        Ok(alerts
            .into_iter()
            .map(|a| {
                let r = to.get(&a.clinic_id).cloned();
                (a, r)
            })
            .collect())
    }

    async fn send(
        w: &Worker,
        (alert, to): Self::Item,
        stop: &watch::Receiver<bool>,
    ) -> Finished<Self::Outcome> {
        let (due_at, lease_expires_at) = (alert.available_at, alert.lease_expires_at);
        let outcome = process(w, &alert, to.as_deref(), stop).await;
        Finished {
            outcome: Round {
                alert_id: alert.id,
                escalation_id: alert.escalation_id,
                outcome,
            },
            due_at,
            lease_expires_at,
        }
    }

    fn summarize(round: &Round) -> Self::Summary {
        let label = match round.outcome {
            AlertOutcome::Sent { .. } => "sent",
            AlertOutcome::Retry { .. } => "retry",
            AlertOutcome::Failed { .. } => "failed",
            AlertOutcome::Release => "released",
        };
        (round.alert_id.clone(), round.escalation_id.clone(), label)
    }

    async fn record(w: &Worker, group: Arc<Vec<Round>>) -> shared::Result<Vec<bool>> {
        // A group is at most `CONCURRENCY` rounds: copying them is nothing beside the write.
        let group: Vec<_> = group
            .iter()
            .map(|r| (r.alert_id.clone(), r.outcome.clone()))
            .collect();
        outbox::record_alerts(&w.db, &w.config.worker.worker_id, Arc::new(group), now()).await
    }

    fn recorded(
        w: &Worker,
        (alert_id, escalation_id, label): &Self::Summary,
        _: NaiveDateTime,
        owned: bool,
        _: NaiveDateTime,
    ) -> bool {
        if owned && *label == "failed" {
            // A clinic that never heard about an urgent check-in: the on-call person must know.
            w.metrics.delivery(CHANNEL, "given_up");
            tracing::error!(alert_id = %alert_id, escalation_id = %escalation_id, "clinic alert given up: nobody at the clinic was emailed");
        } else if owned {
            tracing::debug!(alert_id = %alert_id, resolution = label, "clinic alert resolved");
        } else {
            // Our lease expired and another worker re-claimed the alert; its record stands.
            tracing::warn!(alert_id = %alert_id, resolution = label, "lease lost before recording; outcome dropped");
        }
        *label != "released"
    }
}

/// Claims and sends alerts until nothing is due or `stop` is set. Returns how many were resolved
/// (sent, retried or failed).
pub async fn drain(w: &Worker, stop: &watch::Receiver<bool>) -> shared::Result<usize> {
    crate::outbox::drain::<ClinicAlerts>(w, stop).await
}

/// When the earliest pending alert becomes due (UTC): a retry's backoff ends between ticks, and
/// the scheduler runs the job again then if that comes before the next tick.
pub async fn next_due(w: &Worker) -> shared::Result<Option<NaiveDateTime>> {
    crate::outbox::next_due::<ClinicAlerts>(w).await
}

/// Returns alerts with expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> shared::Result<usize> {
    crate::outbox::recover_leases::<ClinicAlerts>(w).await
}

/// What becomes of one leased alert: its round of emails to `to` (its clinic's recipients;
/// `None` when the clinic does not exist), or a hand-back when stopping or too little lease is
/// left.
async fn process(
    w: &Worker,
    alert: &ClinicAlert,
    to: Option<&Recipients>,
    stop: &watch::Receiver<bool>,
) -> AlertOutcome {
    // Stopping, or too little lease left to finish before another worker may take the alert:
    // hand it back unsent rather than risk two live rounds.
    let margin = Duration::seconds((w.config.worker.lease_secs / 2).min(40));
    let lease_left = alert.lease_expires_at.map(|t| t - now());
    if *stop.borrow() || lease_left.is_none_or(|left| left < margin) {
        return AlertOutcome::Release;
    }
    let max = w.config.worker.max_attempts;
    match to {
        // The foreign key makes this corrupt data, not a state to wait out.
        None => AlertOutcome::Failed {
            error: "the alert's clinic does not exist".into(),
        },
        Some(r) if r.emails.is_empty() => {
            tracing::warn!(alert_id = %alert.id, clinic_id = %alert.clinic_id, "clinic alert waits: the clinic has no active admin or clinician");
            w.metrics.delivery(CHANNEL, "no_recipient");
            outbox::after_failure(
                alert,
                max,
                "the clinic has no active admin or clinician".into(),
                now(),
            )
        }
        Some(r) => send_round(w, alert, r).await,
    }
}

/// One email per recipient, all with the alert's own `Message-ID`. Any temporary failure makes
/// the round a retry; recipients that refuse for good are noted and not retried.
async fn send_round(w: &Worker, alert: &ClinicAlert, to: &Recipients) -> AlertOutcome {
    let message_id = clinic_alert_message_id(&alert.escalation_id);
    // Without SMTP the mailer writes to the log: nobody is emailed, so it is never `sent`.
    let logged_only = !w.mailer.is_smtp();
    let (mut accepted, mut temporary, mut refused) = (0usize, Vec::new(), Vec::new());
    for address in &to.emails {
        let mail = clinic_alert_email(address, &to.clinic_name, &w.config.public_url);
        let sending = w.mailer.send_with_message_id(&mail, &message_id);
        let label = match w.timed(CHANNEL, sending).await {
            Ok(()) => {
                accepted += 1;
                if logged_only { LOGGED } else { "sent" }
            }
            Err(MailError::Transient(e) | MailError::Setup(e)) => {
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
    if logged_only {
        tracing::warn!(
            alert_id = %alert.id,
            escalation_id = %alert.escalation_id,
            "clinic alert only written to the log: SMTP is not configured (AFTERCARE_SMTP_HOST), nobody at the clinic was emailed"
        );
        return AlertOutcome::Sent {
            refused: Some(LOGGED_NOTE.to_owned()),
        };
    }
    let total = to.emails.len();
    let note = |kind: &str, errors: &[String]| {
        let first = errors.first().map(String::as_str).unwrap_or_default();
        format!("{} of {total} recipients {kind}: {first}", errors.len())
    };
    if !temporary.is_empty() {
        return match outbox::after_failure(
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
