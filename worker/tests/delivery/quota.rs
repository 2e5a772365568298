//! The FCM project's send rate shared by every worker through the database: two workers on one
//! database together stay within the quota in every one-second window (counted at the fake by
//! its own clock), and a 429 pauses the project for the other worker too, while the prompt it
//! hit is retried, not lost.

use std::collections::BTreeMap;

use chrono::{Duration, DurationRound, NaiveDateTime};
use shared::db::quotas;
use wiremock::ResponseTemplate;

use crate::both_backends;
use crate::fakes::{FCM_PROJECT, FakeFcm};
use crate::helpers::{Env, drain};

fn quota_key() -> String {
    format!("fcm:{FCM_PROJECT}")
}

async fn stored_pause(env: &Env) -> NaiveDateTime {
    env.run(|c| quotas::paused_until(c, &quota_key()).unwrap())
        .await
        .expect("a 429 leaves a pause on the project's row")
}

fn too_many(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", retry_after)
        .set_body_json(serde_json::json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "QUOTA_EXCEEDED"}]}}))
}

both_backends! {
    async fn two_workers_together_stay_within_the_quota_in_every_window(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        // 2 sends a second for the project; one prompt in flight per worker, so both keep
        // claiming and both compete for every window.
        env.set([
            ("AFTERCARE_FCM_QUOTA_PER_MINUTE", "120".to_owned()),
            ("AFTERCARE_BATCH_SIZE", "1".to_owned()),
            ("AFTERCARE_SENDS_IN_FLIGHT", "1".to_owned()),
        ]);
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-token-q").await;
        let total = 8;
        for _ in 0..total {
            env.prompt(&clinic.id, &patient.id).await;
        }
        let (a, b) = (env.worker_named("worker-a"), env.worker_named("worker-b"));

        let (sent_a, sent_b) = tokio::join!(drain(&a), drain(&b));

        assert_eq!(sent_a + sent_b, total);
        let reqs = fcm.requests();
        assert_eq!(reqs.len(), total);
        let mut per_second: BTreeMap<NaiveDateTime, usize> = BTreeMap::new();
        for r in &reqs {
            *per_second.entry(r.at.duration_trunc(Duration::seconds(1)).unwrap()).or_default() += 1;
        }
        assert!(per_second.values().all(|n| *n <= 2), "sends per second at the fake: {per_second:?}");
        assert!(per_second.len() >= total / 2, "{per_second:?}");
        // Both workers took part: the limit held across them, not within one.
        let mut by_worker = BTreeMap::new();
        for r in &reqs {
            let prompt_id = r.body["message"]["data"]["prompt_id"].as_str().unwrap().to_owned();
            let attempts = env.attempts(&prompt_id).await;
            *by_worker.entry(attempts[0].worker_id.clone()).or_insert(0) += 1;
        }
        assert_eq!(by_worker.len(), 2, "{by_worker:?}");
    }

    async fn a_429_pauses_the_project_for_every_worker_and_its_prompt_is_retried(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-token-p").await;
        let hit = env.prompt(&clinic.id, &patient.id).await;
        fcm.answer([too_many("2")]);
        let (a, b) = (env.worker_named("worker-a"), env.worker_named("worker-b"));
        let before = shared::time::now();

        assert_eq!(drain(&a).await, 1);

        let after = shared::time::now();
        let paused_until = stored_pause(&env).await;
        assert!(paused_until >= before + Duration::seconds(2) && paused_until <= after + Duration::seconds(2), "{paused_until}");
        let p = env.reload(&hit.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert!(p.available_at >= before + Duration::seconds(2));
        let a_attempts = env.attempts(&hit.id).await;
        assert_eq!((a_attempts[0].outcome.as_str(), a_attempts[0].status_code), ("retry", Some(429)));

        // The other worker, which never saw the 429, holds its send until the pause ends.
        let next = env.prompt(&clinic.id, &patient.id).await;
        assert_eq!(drain(&b).await, 1);
        let reqs = fcm.requests();
        let sent = reqs.iter().find(|r| r.key() == next.idempotency_key).unwrap();
        assert!(sent.at >= paused_until, "sent at {} before the pause ended at {paused_until}", sent.at);
        assert_eq!(env.reload(&next.id).await.status.as_str(), "sent");

        // The prompt the 429 hit goes out on its retry.
        env.make_due(&hit.id).await;
        assert_eq!(drain(&a).await, 1);
        let p = env.reload(&hit.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("sent", 2));
        assert_eq!(fcm.count(), 3);
    }

    async fn a_pause_longer_than_the_lease_allows_puts_prompts_back_unsent(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-token-d").await;
        env.prompt(&clinic.id, &patient.id).await;
        // An hour asked for; a pause is capped at 5 minutes.
        fcm.answer([too_many("3600")]);
        let before = shared::time::now();
        drain(&env.worker_named("worker-a")).await;
        let after = shared::time::now();
        let paused_until = stored_pause(&env).await;
        assert!(paused_until >= before + Duration::seconds(300) && paused_until <= after + Duration::seconds(300), "{paused_until}");

        // A 120 s lease cannot wait 5 minutes: the prompt goes back for when the pause ends,
        // with no attempt counted and nothing sent.
        let waiting = env.prompt(&clinic.id, &patient.id).await;
        assert_eq!(drain(&env.worker_named("worker-b")).await, 0);
        let p = env.reload(&waiting.id).await;
        assert_eq!((p.status.as_str(), p.attempts, p.available_at), ("scheduled", 0, paused_until));
        assert!(p.lease_owner.is_none());
        assert!(env.attempts(&waiting.id).await.is_empty());
        assert_eq!(fcm.count(), 1);
    }
}
