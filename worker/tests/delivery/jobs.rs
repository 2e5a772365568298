//! Daily digest of open escalations (once per day across workers) and pruning.

use chrono::Duration;
use diesel::prelude::*;
use shared::db::deliveries::Attempt;
use shared::db::schema::{clinics, delivery_attempts, escalations};
use shared::db::{new_id, prompts};
use shared::testing::fixtures;
use shared::testing::smtp::SmtpServer;
use shared::time::now;

use crate::both_backends;
use crate::helpers::new_prompt;

fn escalation(
    c: &mut shared::db::DbConn,
    clinic_id: &str,
    patient_id: &str,
    severity: &str,
    status: &str,
) {
    diesel::insert_into(escalations::table)
        .values((
            escalations::id.eq(new_id()),
            escalations::clinic_id.eq(clinic_id),
            escalations::patient_id.eq(patient_id),
            escalations::reason.eq("fever reported on day 2"),
            escalations::severity.eq(severity),
            escalations::status.eq(status),
            escalations::created_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
}

both_backends! {
    async fn each_clinic_gets_one_digest_a_day_with_counts_only(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (busy, quiet, admin) = env.run(|c| {
            let busy = fixtures::clinic(c, "Busy Clinic");
            let (p, _) = fixtures::patient(c, &busy.id, "Europe/Madrid");
            escalation(c, busy.id.as_str(), p.id.as_str(), "urgent", "open");
            escalation(c, busy.id.as_str(), p.id.as_str(), "routine", "open");
            escalation(c, busy.id.as_str(), p.id.as_str(), "routine", "resolved");
            // No contact address: the digest goes to the clinic's admins.
            let quiet = fixtures::clinic(c, "Quiet Clinic");
            diesel::update(clinics::table.find(&quiet.id)).set(clinics::contact_email.eq(None::<String>)).execute(c).unwrap();
            let admin = fixtures::user(c, &quiet.id, "clinic_admin");
            let (q, _) = fixtures::patient(c, &quiet.id, "Europe/Madrid");
            escalation(c, quiet.id.as_str(), q.id.as_str(), "routine", "open");
            (busy, quiet, admin)
        }).await;

        // Two workers run the job; the day is claimed once.
        worker::jobs::digest(&env.worker_named("w1")).await.unwrap();
        worker::jobs::digest(&env.worker_named("w2")).await.unwrap();

        let busy_to = busy.contact_email.unwrap();
        let mails = smtp.wait_for(&busy_to, 1).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].header("Subject").as_deref(), Some("Busy Clinic: 2 open escalations"));
        let text = mails[0].body_text();
        assert!(text.contains("2 open escalations (1 urgent)"));
        assert!(text.contains("https://care.example.test/v1/clinic/escalations?status=open"));
        assert!(!text.contains("fever") && !text.contains("Ana"), "no health details or names");
        assert_eq!(smtp.wait_for(&admin.email, 1).await.len(), 1);
        assert_eq!(smtp.received().len(), 2, "one per clinic with open escalations, once: {}", quiet.id);
    }

    async fn prune_deletes_only_old_attempt_records(env) {
        let (clinic, patient) = env.patient().await;
        let prompt = new_prompt(&clinic.id, &patient.id, "prune-key");
        let pid = prompt.id.clone();
        env.run(move |c| {
            prompts::insert(c, &[prompt]).unwrap();
            for days in [100, 91, 10] {
                diesel::insert_into(delivery_attempts::table).values(Attempt {
                    id: new_id(), prompt_id: pid.clone(), device_id: None, channel: shared::domain::DeliveryChannel::Email,
                    outcome: shared::domain::DeliveryOutcome::Sent, status_code: None, error: None, provider_id: None,
                    worker_id: "w".into(), attempted_at: now() - Duration::days(days),
                }).execute(c).unwrap();
            }
        }).await;

        worker::jobs::prune(&env.worker()).await.unwrap();

        let left: i64 = env.run(|c| delivery_attempts::table.count().get_result(c).unwrap()).await;
        assert_eq!(left, 1, "AFTERCARE_PRUNE_AFTER_DAYS=90 keeps the 10-day-old record only");
    }
}
