//! Urgent escalations reach the clinic by email: the clinic-alert outbox drained over a real
//! loopback SMTP server.

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::*;
use shared::db::alerts::{self, AlertOutcome};
use shared::db::outbox;
use shared::db::schema::{clinic_alerts, clinics, users};
use shared::domain::{ClinicAlertStatus, ClinicId, EscalationId};
use shared::testing::fixtures;
use shared::testing::smtp::{ReceivedMail, SmtpServer};
use shared::time::now;
use tokio::sync::watch;

use crate::both_backends;
use crate::helpers::{Env, alert, drain_alerts, escalate};

/// A clinic with an active admin and clinician and a patient; returns (clinic id, the two staff
/// addresses, patient id).
async fn staffed_clinic(env: &Env, name: &'static str) -> (String, Vec<String>, String) {
    env.run(move |c| {
        let clinic = fixtures::clinic(c, name);
        let admin = fixtures::user(c, &clinic.id, "clinic_admin");
        let clinician = fixtures::user(c, &clinic.id, "clinician");
        let (patient, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
        let mut staff = vec![admin.email, clinician.email];
        staff.sort();
        (clinic.id.into_string(), staff, patient.id.into_string())
    })
    .await
}

fn message_id(escalation: &EscalationId) -> String {
    format!("<clinic-alert.{escalation}@aftercare.local>")
}

/// Alert emails received, by `Message-ID`.
fn by_message_id(mails: &[ReceivedMail]) -> HashMap<String, Vec<&ReceivedMail>> {
    let mut out: HashMap<String, Vec<&ReceivedMail>> = HashMap::new();
    for m in mails {
        out.entry(m.header("Message-ID").unwrap_or_default())
            .or_default()
            .push(m);
    }
    out
}

both_backends! {
    async fn an_urgent_escalation_reaches_the_clinics_active_staff_only_without_health_details(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, staff, patient_id) = staffed_clinic(&env, "Skin Studio").await;
        let (cid, pid) = (clinic_id.clone(), patient_id.clone());
        let (escalation, contact, others) = env.run(move |c| {
            // Accounts that must not be alerted: disabled and invited staff, the patient, and
            // another clinic's staff.
            let disabled = fixtures::user(c, &cid, "clinician");
            diesel::update(users::table.find(&disabled.id)).set(users::status.eq("disabled")).execute(c).unwrap();
            let invited = fixtures::user(c, &cid, "clinic_admin");
            diesel::update(users::table.find(&invited.id)).set(users::status.eq("invited")).execute(c).unwrap();
            let other = fixtures::clinic(c, "Other Clinic");
            let other_admin = fixtures::user(c, &other.id, "clinic_admin");
            let contact: Option<String> = clinics::table.find(&cid).select(clinics::contact_email).first(c).unwrap();
            let escalation = escalate(c, &cid, &pid, "urgent");
            (escalation, contact.unwrap(), vec![disabled.email, invited.email, other_admin.email])
        }).await;

        assert_eq!(drain_alerts(&env.worker()).await, 1);

        let mails = smtp.received();
        let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
        to.sort();
        assert_eq!(to, staff, "one email to each active admin and clinician, nobody else");
        assert!(!to.contains(&contact) && others.iter().all(|o| !to.contains(o)));
        for m in &mails {
            assert_eq!(m.to.len(), 1, "one recipient per email");
            assert_eq!(m.header("Subject").as_deref(), Some("Skin Studio: a patient needs a call"));
            assert_eq!(m.header("Message-ID"), Some(message_id(&escalation)));
            let text = m.body_text();
            assert!(text.contains("A patient of Skin Studio needs a call"), "{text}");
            assert!(text.contains("https://care.example.test/console/escalations"), "{text}");
            for secret in ["fever", "Ana", "Test", "urgent", &patient_id, escalation.as_str()] {
                assert!(!text.contains(secret), "{secret:?} leaked into the alert: {text}");
            }
        }
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Sent, 1));
        assert!(row.sent_at.is_some() && row.lease_owner.is_none() && row.last_error.is_none());

        // Queued once per escalation, sent once.
        let (cid, id) = (ClinicId::from(clinic_id.as_str()), escalation.clone());
        let again = env.run(move |c| alerts::enqueue(c, &cid, &id, now()).unwrap()).await;
        assert!(!again);
        assert_eq!(drain_alerts(&env.worker()).await, 0);
        assert_eq!(smtp.received().len(), 2);
    }

    async fn two_workers_draining_together_send_each_alert_once(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, staff, patient_id) = staffed_clinic(&env, "Busy Clinic").await;
        let escalations: Vec<EscalationId> = env.run(move |c| {
            (0..12).map(|_| escalate(c, &clinic_id, &patient_id, "urgent")).collect()
        }).await;

        let (w1, w2) = (env.worker_named("w1"), env.worker_named("w2"));
        let (a, b) = tokio::join!(drain_alerts(&w1), drain_alerts(&w2));
        assert_eq!(a + b, escalations.len());

        let mails = smtp.received();
        assert_eq!(mails.len(), escalations.len() * staff.len(), "no alert sent twice");
        let by_id = by_message_id(&mails);
        for e in &escalations {
            let mut to: Vec<String> = by_id[&message_id(e)].iter().flat_map(|m| m.to.clone()).collect();
            to.sort();
            assert_eq!(to, staff);
            assert_eq!(alert(&env, e).await.status, ClinicAlertStatus::Sent);
        }
    }

    async fn a_temporary_smtp_failure_backs_off_and_retries_until_sent(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, staff, patient_id) = staffed_clinic(&env, "Retry Clinic").await;
        let escalation = env.run(move |c| escalate(c, &clinic_id, &patient_id, "urgent")).await;
        smtp.refuse_recipients(450, "mailbox busy");

        let before = now();
        drain_alerts(&env.worker()).await;
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Pending, 1));
        assert!(row.last_error.as_deref().unwrap().contains("mailbox busy"));
        assert!(row.available_at >= before + Duration::seconds(15), "backs off: {row:?}");
        assert!(row.lease_owner.is_none());

        // Still backing off: the next tick leaves it alone.
        smtp.accept_recipients();
        assert_eq!(drain_alerts(&env.worker()).await, 0);
        assert!(smtp.received().is_empty());

        make_due(&env, &escalation).await;
        assert_eq!(drain_alerts(&env.worker()).await, 1);
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Sent, 2));
        assert_eq!(smtp.received().len(), staff.len());
    }

    async fn an_alert_that_keeps_failing_is_marked_failed_after_the_last_attempt(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, _, patient_id) = staffed_clinic(&env, "Down Clinic").await;
        let escalation = env.run(move |c| escalate(c, &clinic_id, &patient_id, "urgent")).await;
        smtp.refuse_recipients(451, "try later");

        // AFTERCARE_MAX_ATTEMPTS=3 in the test settings.
        for attempt in 1..=3 {
            drain_alerts(&env.worker()).await;
            let row = alert(&env, &escalation).await;
            assert_eq!(row.attempts, attempt);
            make_due(&env, &escalation).await;
        }
        let row = alert(&env, &escalation).await;
        assert_eq!(row.status, ClinicAlertStatus::Failed);
        assert!(row.last_error.unwrap().contains("gave up after 3 attempts"));
        assert_eq!(drain_alerts(&env.worker()).await, 0, "a failed alert is not retried");
    }

    async fn a_dead_workers_lease_expires_and_its_late_record_is_ignored(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, staff, patient_id) = staffed_clinic(&env, "Lease Clinic").await;
        let escalation = env.run(move |c| escalate(c, &clinic_id, &patient_id, "urgent")).await;

        // A worker claims the alert and dies before sending it.
        let t = now();
        let claimed = env.run(move |c| {
            alerts::claim_due(c, "dead-worker", t, t + Duration::seconds(1), 10).unwrap()
        }).await;
        assert_eq!(claimed.len(), 1);
        assert_eq!(drain_alerts(&env.worker()).await, 0, "leased: not claimable");

        let later = t + Duration::seconds(2);
        let released = env.run(move |c| alerts::release_expired_leases(c, later).unwrap()).await;
        assert_eq!(released, 1);
        assert_eq!(drain_alerts(&env.worker()).await, 1);
        assert_eq!(smtp.received().len(), staff.len());

        // The dead worker's outcome, arriving late, changes nothing.
        let id = claimed[0].id.clone();
        let late = env.run(move |c| {
            alerts::resolve(c, &id, "dead-worker", &AlertOutcome::Failed { error: "late".into() }, now()).unwrap()
        }).await;
        assert!(!late);
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Sent, 1));
    }

    async fn an_alert_handed_back_or_left_by_a_stopping_worker_keeps_its_attempts(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, staff, patient_id) = staffed_clinic(&env, "Hand-back Clinic").await;
        let escalation = env.run(move |c| escalate(c, &clinic_id, &patient_id, "urgent")).await;

        // "a" claims it and hands it back unread (as a drain does on stop or a failed read);
        // the hand-back is guarded by the owner, so "b" cannot release it.
        let t = now();
        let (by_other, by_owner) = env.run(move |c| {
            let ids: Vec<String> =
                outbox::lease_due(c, outbox::CLINIC_ALERTS, "a", t, t + Duration::seconds(60), 10).unwrap();
            assert_eq!(ids.len(), 1);
            (
                outbox::release(c, outbox::CLINIC_ALERTS, "b", &ids, t).unwrap(),
                outbox::release(c, outbox::CLINIC_ALERTS, "a", &ids, t).unwrap(),
            )
        }).await;
        assert_eq!((by_other, by_owner), (0, 1));
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts, row.lease_owner), (ClinicAlertStatus::Pending, 0, None));

        // A drain that is told to stop before it starts claims and sends nothing.
        let (tx, rx) = watch::channel(false);
        tx.send(true).unwrap();
        assert_eq!(worker::alerts::drain(&env.worker(), &rx).await.unwrap(), 0);
        assert!(smtp.received().is_empty());
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts, row.lease_owner), (ClinicAlertStatus::Pending, 0, None));

        // The next worker sends it, once, as its first attempt.
        assert_eq!(drain_alerts(&env.worker()).await, 1);
        assert_eq!(smtp.received().len(), staff.len());
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Sent, 1));
    }

    async fn a_clinic_without_active_staff_keeps_its_alert_and_retries(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic_id, patient_id) = env.run(|c| {
            let clinic = fixtures::clinic(c, "Empty Clinic");
            let (patient, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            (clinic.id, patient.id)
        }).await;
        let cid = clinic_id.clone();
        let escalation = env.run(move |c| escalate(c, &cid, &patient_id, "urgent")).await;

        drain_alerts(&env.worker()).await;
        let row = alert(&env, &escalation).await;
        assert_eq!((row.status, row.attempts), (ClinicAlertStatus::Pending, 1));
        assert!(row.last_error.unwrap().contains("no active admin or clinician"));

        let admin = env.run(move |c| fixtures::user(c, &clinic_id, "clinic_admin")).await;
        make_due(&env, &escalation).await;
        drain_alerts(&env.worker()).await;
        assert_eq!(smtp.to(&admin.email).len(), 1);
        assert_eq!(alert(&env, &escalation).await.status, ClinicAlertStatus::Sent);
    }
}

/// Makes a retried alert due again (instead of waiting out its backoff).
async fn make_due(env: &Env, escalation: &EscalationId) {
    let id = escalation.clone();
    env.run(move |c| {
        diesel::update(clinic_alerts::table.filter(clinic_alerts::escalation_id.eq(&id)))
            .set(clinic_alerts::available_at.eq(now() - Duration::seconds(1)))
            .execute(c)
            .unwrap()
    })
    .await;
}
