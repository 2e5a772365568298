//! Prompts that must never be sent, the lease guard on outcomes, and stopping.

use chrono::Duration;
use diesel::prelude::*;
use shared::db::deliveries::{self, Resolution};
use shared::db::prompts;
use shared::time::now;
use tokio::sync::watch;

use crate::both_backends;
use crate::fakes::FakeFcm;
use crate::helpers::drain;

fn patient_id(
    c: &mut shared::db::DbConn,
    id: &shared::domain::PromptId,
) -> shared::domain::PatientId {
    use shared::db::schema::prompts as p;
    p::table
        .find(id.as_str())
        .select(p::patient_id)
        .first::<String>(c)
        .unwrap()
        .as_str()
        .into()
}

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

    async fn a_group_of_outcomes_is_guarded_prompt_by_prompt(env) {
        let (clinic, patient) = env.patient().await;
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(env.prompt(&clinic.id, &patient.id).await.id);
        }
        let g = ids.clone();
        let owned = env.run(move |c| {
            use shared::db::deliveries::{Attempt, Outcome};
            use shared::domain::{DeliveryChannel, DeliveryOutcome};
            let t = now();
            assert_eq!(prompts::claim_due(c, "a", t, t + Duration::seconds(10), 10).unwrap().len(), 4);
            // The third prompt's lease passes to "b" before "a" records its group.
            diesel::update(shared::db::schema::prompts::table.find(g[2].as_str()))
                .set(shared::db::schema::prompts::lease_owner.eq("b"))
                .execute(c)
                .unwrap();
            // The app acknowledged the second while it was being sent.
            let owner = patient_id(c, &g[1]);
            prompts::acknowledge(c, &owner, &g[1], t).unwrap();
            let fcm = DeliveryChannel::Fcm;
            let attempt = |id: &shared::domain::PromptId| Attempt {
                id: shared::db::new_id(),
                prompt_id: id.clone(),
                device_id: None,
                channel: fcm,
                outcome: DeliveryOutcome::Sent,
                status_code: Some(200),
                error: None,
                provider_id: None,
                worker_id: "a".into(),
                attempted_at: t,
            };
            let outcomes = vec![
                Outcome { prompt_id: g[0].clone(), resolution: Resolution::Sent { channel: fcm }, attempts: vec![attempt(&g[0])], follow_up: None },
                Outcome { prompt_id: g[1].clone(), resolution: Resolution::Sent { channel: fcm }, attempts: vec![attempt(&g[1])], follow_up: None },
                Outcome { prompt_id: g[2].clone(), resolution: Resolution::Sent { channel: fcm }, attempts: vec![attempt(&g[2])], follow_up: None },
                Outcome { prompt_id: g[3].clone(), resolution: Resolution::Failed { error: "gone".into() }, attempts: vec![], follow_up: None },
            ];
            deliveries::resolve_group(c, "a", &outcomes, t).unwrap()
        }).await;
        assert_eq!(owned, vec![true, true, false, true]);
        let (a, b) = (env.reload(&ids[0]).await, env.reload(&ids[1]).await);
        let (c, d) = (env.reload(&ids[2]).await, env.reload(&ids[3]).await);
        assert_eq!((a.status.as_str(), a.channel.map(|c| c.as_str()), a.lease_owner), ("sent", Some("fcm"), None));
        assert_eq!(a.attempts, 1);
        assert_eq!(b.status.as_str(), "acknowledged");
        assert_eq!((c.status.as_str(), c.lease_owner.as_deref()), ("sending", Some("b")));
        assert_eq!(d.status.as_str(), "failed");
        assert_eq!(env.attempts(&ids[0]).await.len(), 1);
        assert!(env.attempts(&ids[2]).await.is_empty(), "a lost lease writes no attempt");
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

    async fn a_claim_lost_or_handed_back_before_its_window_is_not_read_for_sending(env) {
        let (clinic, patient) = env.patient().await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(env.prompt(&clinic.id, &patient.id).await.id);
        }
        let g = ids.clone();
        let (read, stolen) = env.run(move |c| {
            use shared::db::schema::prompts as p;
            let t = now();
            let leased = prompts::lease_due(c, "a", t, t + Duration::seconds(60), 10).unwrap();
            assert_eq!(leased.len(), 3, "the claim returns every leased id");
            // Before "a" reads its window: one lease runs out and another worker takes the
            // prompt; "a" hands another back itself.
            diesel::update(p::table.find(g[0].as_str()))
                .set(p::lease_expires_at.eq(Some(t - Duration::seconds(1))))
                .execute(c)
                .unwrap();
            assert_eq!(prompts::release_expired_leases(c, t).unwrap(), 1);
            let b = prompts::lease_due(c, "b", t, t + Duration::seconds(60), 10).unwrap();
            assert_eq!(b, vec![g[0].clone()]);
            assert_eq!(prompts::release(c, "a", &[g[1].clone()], t).unwrap(), 1);
            // The hand-back is guarded by the owner: "a" cannot release what "b" holds.
            let stolen = prompts::release(c, "a", &[g[0].clone()], t).unwrap();
            (prompts::leased(c, "a", &leased).unwrap(), stolen)
        }).await;
        assert_eq!(stolen, 0);
        let read: Vec<_> = read.into_iter().map(|p| p.id).collect();
        assert_eq!(read, vec![ids[2].clone()]);
        let handed_back = env.reload(&ids[1]).await;
        assert_eq!(handed_back.status.as_str(), "scheduled");
        assert_eq!(handed_back.lease_owner, None);
        assert_eq!(env.reload(&ids[0]).await.lease_owner.as_deref(), Some("b"));
    }

    async fn a_batch_larger_than_the_read_window_is_sent_whole_and_once(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        // 600 prompts in one claim: three read windows of up to 256, four sends in flight.
        env.set([("AFTERCARE_BATCH_SIZE", "600".to_owned()), ("AFTERCARE_SENDS_IN_FLIGHT", "4".to_owned())]);
        let mut rows = Vec::new();
        for i in 0..20 {
            let (clinic, patient) = env.patient().await;
            env.device(&patient.id, "android", &format!("tok-window-{i}")).await;
            for k in 0..30 {
                rows.push(crate::helpers::new_prompt(&clinic.id, &patient.id, &format!("window-{i}-{k}")));
            }
        }
        env.run(move |c| prompts::insert(c, &rows).unwrap()).await;
        assert_eq!(drain(&env.worker()).await, 600);
        assert_eq!(fcm.count(), 600, "each prompt reached the provider once");
        let sent = env.run(|c| {
            use shared::db::schema::prompts as p;
            p::table.filter(p::status.eq("sent")).count().get_result::<i64>(c).unwrap()
        }).await;
        assert_eq!(sent, 600);
    }
}
