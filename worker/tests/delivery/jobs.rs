//! Daily digest of open escalations (once per day across workers) and pruning.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use shared::db::console_sessions;
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
    clinic_id: impl AsRef<str>,
    patient_id: impl AsRef<str>,
    severity: &str,
    status: &str,
) {
    diesel::insert_into(escalations::table)
        .values((
            escalations::id.eq(new_id()),
            escalations::clinic_id.eq(clinic_id.as_ref()),
            escalations::patient_id.eq(patient_id.as_ref()),
            escalations::reason.eq("fever reported on day 2"),
            escalations::severity.eq(severity),
            escalations::status.eq(status),
            escalations::created_at.eq(now()),
        ))
        .execute(c)
        .unwrap();
}

/// A UTC instant, for standing anywhere in the day.
fn utc(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn set_timezone(c: &mut shared::db::DbConn, clinic_id: impl AsRef<str>, zone: &str) {
    diesel::update(clinics::table.find(clinic_id.as_ref()))
        .set(clinics::timezone.eq(zone))
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

        // 08:05 in Madrid (CET). Two workers run the job; each clinic's day is claimed once.
        let at = utc("2026-03-10 07:05");
        assert_eq!(worker::jobs::digest_at(&env.worker_named("w1"), at).await.unwrap(), 2);
        assert_eq!(worker::jobs::digest_at(&env.worker_named("w2"), at).await.unwrap(), 0);

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

    async fn the_digest_goes_out_at_seven_in_each_clinics_own_time_zone_once_a_local_day(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (tokyo, new_york) = env.run(|c| {
            let tokyo = fixtures::clinic(c, "Tokyo Clinic");
            set_timezone(c, &tokyo.id, "Asia/Tokyo");
            let new_york = fixtures::clinic(c, "New York Clinic");
            set_timezone(c, &new_york.id, "America/New_York");
            for clinic in [&tokyo, &new_york] {
                let (p, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
                escalation(c, &clinic.id, &p.id, "routine", "open");
            }
            (tokyo.contact_email.unwrap(), new_york.contact_email.unwrap())
        }).await;
        let w = env.worker();
        let run = |at: &str| {
            let (w, at) = (w.clone(), utc(at));
            async move { worker::jobs::digest_at(&w, at).await.unwrap() }
        };

        // Tokyo is UTC+9; New York is UTC-5 in January.
        assert_eq!(run("2026-01-14 21:55").await, 0, "06:55 in Tokyo, 16:55 in New York");
        assert_eq!(run("2026-01-14 22:05").await, 1, "07:05 in Tokyo");
        assert_eq!(smtp.to(&tokyo).len(), 1);
        assert_eq!(run("2026-01-14 22:20").await, 0, "once a local day");
        assert_eq!(run("2026-01-15 02:50").await, 0, "11:50 in Tokyo: already sent today");
        assert_eq!(run("2026-01-15 11:55").await, 0, "06:55 in New York");
        assert_eq!(run("2026-01-15 12:05").await, 1, "07:05 in New York");
        assert_eq!(smtp.to(&new_york).len(), 1);
        assert_eq!(run("2026-01-15 16:50").await, 0, "11:50 in New York: already sent today");
        assert_eq!(run("2026-01-15 21:05").await, 0, "06:05 in Tokyo the next day");
        assert_eq!(run("2026-01-15 22:05").await, 1, "07:05 in Tokyo the next day");
        assert_eq!((smtp.to(&tokyo).len(), smtp.to(&new_york).len()), (2, 1));
        // In July New York keeps daylight time (UTC-4): its 07:00 is 11:00 UTC.
        assert_eq!(run("2026-07-01 11:05").await, 1, "07:05 in New York (EDT), 20:05 in Tokyo");
        assert_eq!(smtp.to(&new_york).len(), 2);
    }

    async fn a_digest_that_no_recipient_accepted_is_tried_again_the_same_morning(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let to = env.run(|c| {
            let clinic = fixtures::clinic(c, "Madrid Clinic");
            let (p, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            escalation(c, &clinic.id, &p.id, "routine", "open");
            clinic.contact_email.unwrap()
        }).await;
        smtp.refuse_recipients(451, "try later");
        assert_eq!(worker::jobs::digest_at(&env.worker(), utc("2026-03-10 06:05")).await.unwrap(), 0);
        assert!(smtp.received().is_empty());

        smtp.accept_recipients();
        assert_eq!(worker::jobs::digest_at(&env.worker(), utc("2026-03-10 06:20")).await.unwrap(), 1);
        assert_eq!(worker::jobs::digest_at(&env.worker(), utc("2026-03-10 06:35")).await.unwrap(), 0);
        assert_eq!(smtp.to(&to).len(), 1);
    }

    async fn an_escalation_opened_in_the_afternoon_waits_for_the_next_morning(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        env.run(|c| {
            let clinic = fixtures::clinic(c, "Madrid Clinic");
            let (p, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            escalation(c, &clinic.id, &p.id, "routine", "open");
        }).await;
        let w = env.worker();
        assert_eq!(worker::jobs::digest_at(&w, utc("2026-03-10 14:00")).await.unwrap(), 0, "15:00 in Madrid");
        assert_eq!(worker::jobs::digest_at(&w, utc("2026-03-11 06:00")).await.unwrap(), 1, "07:00 in Madrid");
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

    async fn prune_deletes_expired_console_sessions(env) {
        let (clinic, _) = env.patient().await;
        let (live, expired) = env.run(move |c| {
            let staff = fixtures::user(c, &clinic.id, "clinician");
            let sid = shared::db::sessions::create(c, &staff.id, now()).unwrap();
            let live = console_sessions::create(c, &sid, Duration::hours(12), now()).unwrap();
            let expired = console_sessions::create(c, &sid, Duration::hours(12), now() - Duration::hours(13)).unwrap();
            (live, expired)
        }).await;

        worker::jobs::prune(&env.worker()).await.unwrap();

        let left: i64 = env.run(|c| shared::db::schema::console_sessions::table.count().get_result(c).unwrap()).await;
        assert_eq!(left, 1, "only the live console session is kept");
        let found = env.run(move |c| {
            (console_sessions::find(c, &live, now()).unwrap().is_some(),
             console_sessions::find(c, &expired, now()).unwrap().is_some())
        }).await;
        assert_eq!(found, (true, false));
    }

    async fn the_daily_upkeep_fills_search_keys_a_previous_release_left_out(env) {
        use shared::db::schema::patient_profiles;
        let (_, patient) = env.patient().await;
        let id = patient.id.to_string();
        let key = id.clone();
        env.run(move |c| {
            diesel::update(patient_profiles::table.find(&key))
                .set(patient_profiles::search_key.eq(None::<String>))
                .execute(c)
                .unwrap();
        }).await;

        worker::jobs::prune(&env.worker()).await.unwrap();

        let stored: Option<String> = env.run(move |c| {
            patient_profiles::table.find(&id).select(patient_profiles::search_key).first(c).unwrap()
        }).await;
        assert!(stored.is_some_and(|k| !k.is_empty()), "filled by the daily job");
    }
}
