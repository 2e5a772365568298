//! Prompts that must never be sent, the lease guard on outcomes, and stopping.

use chrono::Duration;
use shared::db::deliveries::{self, Resolution};
use shared::db::prompts;
use shared::time::now;
use tokio::sync::watch;

use crate::both_backends;
use crate::fakes::FakeFcm;
use crate::helpers::drain;

both_backends! {
    async fn discharged_erased_disabled_and_silenced_patients_get_nothing(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let mut cases = Vec::new();
        for reason in ["patient_discharged", "patient_erased", "patient_inactive", "channels_off"] {
            let (clinic, patient) = env.patient().await;
            env.device(&patient.id, "android", &format!("tok-{reason}")).await;
            match reason {
                "patient_discharged" => env.profile(&patient.id, |p| p.discharged_at = Some(now())).await,
                "patient_erased" => env.profile(&patient.id, |p| p.erased_at = Some(now())).await,
                "patient_inactive" => {
                    use diesel::prelude::*;
                    use shared::db::schema::users;
                    let id = patient.id.clone();
                    env.run(move |c| diesel::update(users::table.find(&id)).set(users::status.eq("disabled")).execute(c).unwrap()).await;
                }
                _ => env.profile(&patient.id, |p| { p.push_enabled = false; p.email_enabled = false; }).await,
            }
            cases.push((reason, env.prompt(&clinic.id, &patient.id).await));
        }

        drain(&env.worker()).await;

        assert_eq!(fcm.count(), 0, "nothing reached the provider");
        for (reason, prompt) in cases {
            let p = env.reload(&prompt.id).await;
            assert_eq!(p.status.as_str(), "cancelled", "{reason}");
            assert_eq!(p.last_error.as_deref(), Some(reason));
            assert!(p.cancelled_at.is_some() && p.sent_at.is_none());
            assert!(env.attempts(&prompt.id).await.is_empty());
        }
    }

    async fn a_worker_that_lost_its_lease_records_nothing(env) {
        let (clinic, patient) = env.patient().await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let id = prompt.id.clone();
        let stale_won = env.run(move |c| {
            let t = now();
            assert_eq!(prompts::claim_due(c, "a", t, t + Duration::seconds(10), 10).unwrap().len(), 1);
            // "a" stalls past its lease; recovery hands the prompt to "b".
            prompts::release_expired_leases(c, t + Duration::seconds(11)).unwrap();
            assert_eq!(prompts::claim_due(c, "b", t, t + Duration::seconds(60), 10).unwrap().len(), 1);
            let sent = Resolution::Sent { channel: shared::domain::DeliveryChannel::Fcm };
            deliveries::resolve(c, &id, "a", &sent, &[], t).unwrap()
        }).await;
        assert!(!stale_won);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.lease_owner.as_deref()), ("sending", Some("b")));
    }

    async fn a_stopping_worker_claims_nothing(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "tok-stop").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let (tx, rx) = watch::channel(false);
        tx.send(true).unwrap();
        assert_eq!(worker::dispatch::drain(&env.worker(), &rx).await.unwrap(), 0);
        assert_eq!(env.reload(&prompt.id).await.status.as_str(), "scheduled");
        assert_eq!(fcm.count(), 0);
    }
}
