//! Email over a real loopback SMTP server: for patients who chose email or have no device.

use shared::testing::smtp::SmtpServer;

use crate::both_backends;
use crate::fakes::FakeFcm;
use crate::helpers::drain;

both_backends! {
    async fn patient_without_a_device_gets_a_private_email(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;

        drain(&env.worker()).await;

        let mails = smtp.wait_for(&patient.email, 1).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].header("Subject").as_deref(), Some("Aftercare"));
        let text = mails[0].body_text();
        assert!(text.contains("You have a new care reminder"));
        assert!(!text.to_lowercase().contains("redness"), "private: no prompt text");
        assert!(text.contains(&prompt.idempotency_key));
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
    }

    async fn an_urgent_prompt_is_emailed_at_once_when_push_must_be_retried(env) {
        let smtp = SmtpServer::start().await;
        let fcm = FakeFcm::start().await;
        env.set(smtp.settings());
        env.set(fcm.settings());
        fcm.answer([wiremock::ResponseTemplate::new(503), wiremock::ResponseTemplate::new(503)]);
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "phone-behind-an-outage").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let urgent_id = prompt.id.to_string();
        env.run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::prompts as t;
            diesel::update(t::table.find(&urgent_id)).set(t::urgent.eq(true)).execute(c).unwrap()
        })
        .await;

        drain(&env.worker()).await;

        assert_eq!(fcm.count(), 1, "push was tried first");
        assert_eq!(smtp.wait_for(&patient.email, 1).await.len(), 1, "no email while push waits");
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
    }

    async fn push_off_means_email_only_even_with_a_device(env) {
        let smtp = SmtpServer::start().await;
        let fcm = FakeFcm::start().await;
        env.set(smtp.settings());
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "muted-phone").await;
        env.profile(&patient.id, |p| p.push_enabled = false).await;
        env.prompt(&clinic.id, &patient.id).await;

        drain(&env.worker()).await;

        assert_eq!(smtp.wait_for(&patient.email, 1).await.len(), 1);
        assert_eq!(fcm.count(), 0);
    }

    async fn temporary_smtp_refusal_retries_and_permanent_one_fails(env) {
        let smtp = SmtpServer::start().await;
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        smtp.refuse_recipients(450, "mailbox busy");

        drain(&env.worker()).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert_eq!(env.attempts(&prompt.id).await[0].outcome.as_str(), "retry");

        // Our credentials refused (RFC 4954 535): the operator's to fix, retried, not failed.
        smtp.refuse_recipients(535, "5.7.8 Authentication credentials invalid");
        env.make_due(&prompt.id).await;
        drain(&env.worker()).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 2));
        assert_eq!(env.attempts(&prompt.id).await[1].outcome.as_str(), "retry");

        smtp.refuse_recipients(550, "no such user");
        env.make_due(&prompt.id).await;
        drain(&env.worker()).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!(p.status.as_str(), "failed");
        assert!(p.last_error.unwrap().contains("no such user"));
    }
}
