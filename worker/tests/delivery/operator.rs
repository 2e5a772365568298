//! What is the operator's, not the patient's: a push provider refusing our own settings keeps
//! the devices and falls back to email, counted and shown by the readiness probe; a clinic
//! alert with no SMTP server is counted as written to the log, not as sent; and a prompt the
//! patient acknowledged in the app before it went out (even while it waited for a send slot)
//! is never sent.

use serde_json::json;
use shared::care::readiness;
use shared::domain::PushProvider;
use shared::testing::fixtures::{self, apns_token};
use shared::testing::smtp::SmtpServer;
use shared::time::now;
use wiremock::ResponseTemplate;

use crate::both_backends;
use crate::fakes::{FakeApns, FakeFcm};
use crate::helpers::{alert, drain, drain_alerts, escalate};

both_backends! {
    async fn an_apns_topic_or_credential_refusal_keeps_the_device_and_falls_back_to_email(env) {
        let apns = FakeApns::start().await;
        let smtp = SmtpServer::start().await;
        env.set(apns.settings());
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        let ios = env.device(&patient.id, "ios", &apns_token("ios-topic")).await;
        let first = env.prompt(&clinic.id, &patient.id).await;
        apns.answer([(400, Some("DeviceTokenNotForTopic"), vec![])]);
        let w = env.worker();

        drain(&w).await;

        let d = env.device_row(&ios.id).await;
        assert!(d.active && d.last_error.is_none(), "{d:?}");
        assert_eq!(smtp.wait_for(&patient.email, 1).await.len(), 1);
        let p = env.reload(&first.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
        let outcomes: Vec<_> = env.attempts(&first.id).await.into_iter().map(|a| (a.channel.as_str(), a.outcome.as_str(), a.error)).collect();
        assert_eq!(outcomes, [("apns", "failed", Some("DeviceTokenNotForTopic".to_owned())), ("email", "sent", None)]);
        assert!(w.metrics.render().contains(r#"aftercare_push_config_errors_total{provider="apns",reason="DeviceTokenNotForTopic"} 1"#));
        let open = readiness::push_config_errors(&w.metrics);
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].provider, open[0].reason.as_str(), open[0].count), (PushProvider::Apns, "DeviceTokenNotForTopic", 1));

        // Refused credentials (403) and no email to fall back to: the device is kept and the
        // prompt waits for the fix as for a busy provider.
        env.profile(&patient.id, |p| p.email_enabled = false).await;
        let second = env.prompt(&clinic.id, &patient.id).await;
        apns.answer([(403, Some("InvalidProviderToken"), vec![])]);
        drain(&w).await;
        assert!(env.device_row(&ios.id).await.active);
        let p = env.reload(&second.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert_eq!(p.last_error.as_deref(), Some("push settings refused: InvalidProviderToken"));
        assert_eq!(readiness::push_config_errors(&w.metrics).len(), 2);

        // APNs accepts again and the prompt goes out; the causes stay listed until 10 minutes
        // pass without them (a success among refusals neither hides nor re-opens one).
        env.make_due(&second.id).await;
        drain(&w).await;
        let p = env.reload(&second.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("apns")));
        assert_eq!(readiness::push_config_errors(&w.metrics).len(), 2);
        let third = env.prompt(&clinic.id, &patient.id).await;
        apns.answer([(403, Some("InvalidProviderToken"), vec![])]);
        drain(&w).await;
        assert_eq!(env.reload(&third.id).await.attempts, 1);
        let open = readiness::push_config_errors(&w.metrics);
        let counts: Vec<_> = open.iter().map(|e| (e.reason.as_str(), e.count)).collect();
        assert_eq!(counts, [("DeviceTokenNotForTopic", 1), ("InvalidProviderToken", 2)]);
        let later = chrono::Utc::now() + chrono::TimeDelta::minutes(10);
        assert!(w.metrics.push_faults.open_at(later).is_empty(), "closed after 10 quiet minutes");
    }

    async fn an_fcm_sender_id_mismatch_keeps_the_device_and_falls_back_to_email(env) {
        let fcm = FakeFcm::start().await;
        let smtp = SmtpServer::start().await;
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        let android = env.device(&patient.id, "android", "other-project-token").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        for code in ["SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"] {
            fcm.answer([ResponseTemplate::new(403).set_body_json(json!({"error": {
                "code": 403, "status": "PERMISSION_DENIED", "message": "SenderId mismatch",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]
            }}))]);
        }
        let w = env.worker();

        drain(&w).await;

        assert!(env.device_row(&android.id).await.active);
        assert_eq!(smtp.wait_for(&patient.email, 1).await.len(), 1);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
        assert!(w.metrics.render().contains(r#"aftercare_push_config_errors_total{provider="fcm",reason="SENDER_ID_MISMATCH"} 1"#));

        let next = env.prompt(&clinic.id, &patient.id).await;
        drain(&w).await;
        assert!(env.device_row(&android.id).await.active);
        assert_eq!(env.reload(&next.id).await.channel.map(|c| c.as_str()), Some("email"));
        let reasons: Vec<_> = readiness::push_config_errors(&w.metrics).into_iter().map(|e| e.reason).collect();
        assert_eq!(reasons, ["SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"]);
    }

    async fn a_clinic_alert_without_smtp_is_counted_as_logged_not_sent(env) {
        let (clinic_id, patient_id) = env.run(|c| {
            let clinic = fixtures::clinic(c, "No Mail Clinic");
            fixtures::user(c, &clinic.id, "clinic_admin");
            let (patient, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            (clinic.id, patient.id)
        }).await;
        let escalation = env.run(move |c| escalate(c, &clinic_id, &patient_id, "urgent")).await;
        let w = env.worker();

        drain_alerts(&w).await;

        let metrics = w.metrics.render();
        assert!(metrics.contains(r#"aftercare_deliveries_total{channel="clinic_alert",outcome="logged"} 1"#), "{metrics}");
        assert!(!metrics.contains(r#"channel="clinic_alert",outcome="sent""#));
        let row = alert(&env, &escalation).await;
        assert_eq!(row.last_error.as_deref(), Some("written to the log only: SMTP is not configured"));
        assert!(readiness::not_configured(&w.config, true).contains(&readiness::DeliveryService::Smtp));
    }

    async fn a_prompt_acknowledged_before_it_was_sent_is_never_sent(env) {
        let fcm = FakeFcm::start().await;
        let smtp = SmtpServer::start().await;
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-seen").await;
        let seen = env.prompt(&clinic.id, &patient.id).await;
        let pid = patient.id.as_patient();
        shared::care::prompts::acknowledge(&env.db, &pid, &seen.id, now()).await.unwrap();
        let p = env.reload(&seen.id).await;
        assert_eq!((p.status.as_str(), p.sent_at), ("acknowledged", None));

        // Acknowledged while a worker held it (the previous rule's rows too): the worker that
        // reads it skips it and records it acknowledged, with no attempt.
        let held = env.prompt(&clinic.id, &patient.id).await;
        let id = held.id.clone();
        env.run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::prompts as t;
            diesel::update(t::table.find(&id)).set(t::acknowledged_at.eq(Some(now()))).execute(c).unwrap();
        }).await;

        assert_eq!(drain(&env.worker()).await, 1);

        assert_eq!(fcm.count(), 0, "a push went out");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(smtp.received().is_empty(), "an email went out");
        for id in [&seen.id, &held.id] {
            let p = env.reload(id).await;
            assert_eq!((p.status.as_str(), p.sent_at, p.attempts, p.lease_owner), ("acknowledged", None, 0, None));
            assert!(env.attempts(id).await.is_empty());
        }
    }

    async fn a_prompt_acknowledged_while_it_waited_for_a_send_slot_is_never_sent(env) {
        // One send at a time, each answer 700 ms late: the window's second prompt waits for
        // the slot while the patient acknowledges both in the app.
        let fcm = FakeFcm::start_with_delay(std::time::Duration::from_millis(700)).await;
        let smtp = SmtpServer::start().await;
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set([("AFTERCARE_SENDS_IN_FLIGHT", "1".to_owned())]);
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-waits").await;
        let ids = [env.prompt(&clinic.id, &patient.id).await.id, env.prompt(&clinic.id, &patient.id).await.id];
        let pid = patient.id.as_patient();
        let w = env.worker();

        let acknowledge = async {
            while fcm.count() == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            for id in &ids {
                shared::care::prompts::acknowledge(&env.db, &pid, id, now()).await.unwrap();
            }
        };
        let (resolved, ()) = tokio::join!(drain(&w), acknowledge);

        assert_eq!(resolved, 2);
        assert_eq!(fcm.count(), 1, "the waiting prompt was pushed after its acknowledgement");
        let attempts: Vec<usize> = {
            let mut v = Vec::new();
            for id in &ids {
                let p = env.reload(id).await;
                assert_eq!((p.status.as_str(), p.lease_owner), ("acknowledged", None));
                v.push(env.attempts(id).await.len());
            }
            v.sort();
            v
        };
        assert_eq!(attempts, [0, 1], "only the send already started completed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(smtp.received().is_empty(), "an email went out");
    }
}
