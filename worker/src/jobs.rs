//! Periodic jobs, each run at most once per UTC day across all workers (the period is claimed in
//! `job_runs`): the clinics' digest of open escalations and the pruning of old attempt records.

use chrono::Duration;
use diesel::dsl::count_star;
use diesel::prelude::*;
use shared::db::schema::{clinics, escalations, users};
use shared::db::{DbConn, deliveries, jobs};
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

/// One clinic's digest: where it goes and what it counts.
#[derive(Debug)]
pub struct Digest {
    pub clinic_id: String,
    pub clinic_name: String,
    pub recipients: Vec<String>,
    pub open: i64,
    pub urgent: i64,
}

/// Clinics with open escalations, their counts, and who hears about them (the clinic's contact
/// address, or its active admins when it has none).
pub fn digests(conn: &mut DbConn) -> shared::Result<Vec<Digest>> {
    let open: Vec<(String, i64)> = escalations::table
        .filter(escalations::status.eq("open"))
        .group_by(escalations::clinic_id)
        .select((escalations::clinic_id, count_star()))
        .load(conn)?;
    let mut out = Vec::with_capacity(open.len());
    for (clinic_id, count) in open {
        let urgent: i64 = escalations::table
            .filter(escalations::status.eq("open"))
            .filter(escalations::severity.eq("urgent"))
            .filter(escalations::clinic_id.eq(&clinic_id))
            .count()
            .get_result(conn)?;
        let (name, contact): (String, Option<String>) = clinics::table
            .find(&clinic_id)
            .select((clinics::name, clinics::contact_email))
            .first(conn)?;
        let recipients = match contact.filter(|c| !c.trim().is_empty()) {
            Some(c) => vec![c],
            None => users::table
                .filter(users::clinic_id.eq(&clinic_id))
                .filter(users::role.eq("clinic_admin"))
                .filter(users::status.eq("active"))
                .select(users::email)
                .load(conn)?,
        };
        out.push(Digest {
            clinic_id,
            clinic_name: name,
            recipients,
            open: count,
            urgent,
        });
    }
    Ok(out)
}

/// Emails each clinic with open escalations a count and a link (no patient details).
pub async fn digest(w: &Worker) -> Result<(), shared::Error> {
    const JOB: &str = "escalation_digest";
    let Some(period) = claim_today(w, JOB).await? else {
        return Ok(());
    };
    let list = match w.db.run(digests).await {
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
