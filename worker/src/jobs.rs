//! Periodic jobs, each run at most once per UTC day across all workers (the period is claimed in
//! `job_runs`): the clinics' digest of open escalations and the pruning of old attempt records.

use chrono::Duration;
use shared::db::{deliveries, escalations, jobs};
use shared::mail::prompt::digest_email;
use shared::time::now;

use crate::Worker;

/// Claims today's period of `job` for this worker; `None` when another worker has it.
async fn claim_today(w: &Worker, job: &'static str) -> Result<Option<String>, shared::Error> {
    let period = now().date().format("%Y-%m-%d").to_string();
    let (p, worker_id) = (period.clone(), w.config.worker.worker_id.clone());
    let won =
        w.db.run(move |c| jobs::claim(c, job, &p, &worker_id, now()))
            .await?;
    Ok(won.then_some(period))
}

async fn finish(w: &Worker, job: &'static str, period: String) -> Result<(), shared::Error> {
    w.db.run(move |c| jobs::finish(c, job, &period, now()))
        .await
}

/// Emails each clinic with open escalations a count and a link (no patient details).
pub async fn digest(w: &Worker) -> Result<(), shared::Error> {
    const JOB: &str = "escalation_digest";
    let Some(period) = claim_today(w, JOB).await? else {
        return Ok(());
    };
    let list = match w.db.run(escalations::digests).await {
        Ok(l) => l,
        Err(e) => {
            // Nothing was sent: give the day back so a later tick can try again.
            let (p, id) = (period.clone(), w.config.worker.worker_id.clone());
            let _ = w.db.run(move |c| jobs::unclaim(c, JOB, &p, &id)).await;
            return Err(e);
        }
    };
    let mut sent = 0;
    for d in &list {
        for to in &d.recipients {
            let mail = digest_email(to, &d.clinic_name, d.open, d.urgent, &w.config.public_url);
            match w.mailer.send(&mail).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(clinic_id = %d.clinic_id, error = %e, "digest email not sent")
                }
            }
        }
    }
    tracing::info!(
        clinics = list.len(),
        emails = sent,
        "escalation digest sent"
    );
    finish(w, JOB, period).await
}

/// Deletes delivery attempt records older than `AFTERCARE_PRUNE_AFTER_DAYS`.
pub async fn prune(w: &Worker) -> Result<(), shared::Error> {
    const JOB: &str = "prune_deliveries";
    let Some(period) = claim_today(w, JOB).await? else {
        return Ok(());
    };
    let before = now() - Duration::days(w.config.worker.prune_after_days);
    let n = w.db.run(move |c| deliveries::prune(c, before)).await?;
    tracing::info!(deleted = n, "old delivery records pruned");
    finish(w, JOB, period).await
}
