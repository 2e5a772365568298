//! Browsers through Web Push (RFC 8030, 8291, 8292) against a loopback push service that checks
//! the headers, verifies the VAPID token and decrypts every message with the subscription's key.

use shared::care::devices::{DeviceForm, EndpointPolicy};
use shared::domain::LockScreenPreview;
use shared::push::webpush::topic;

use crate::both_backends;
use crate::fakes::FakeWebPush;
use crate::helpers::{Env, drain};

async fn web_device(
    env: &Env,
    push: &FakeWebPush,
    patient_id: &str,
    name: &str,
) -> shared::db::devices::Device {
    let (endpoint, p256dh, auth) = push.subscription(name);
    let form = DeviceForm::web_push(
        &endpoint,
        &p256dh,
        &auth,
        Some("web-1"),
        EndpointPolicy {
            allow_loopback: true,
        },
    )
    .unwrap();
    env.device_with(patient_id, form).await
}

both_backends! {
    async fn a_prompt_reaches_the_browser_encrypted_and_signed_with_a_private_preview(env) {
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        let (clinic, patient) = env.patient().await;
        web_device(&env, &push, patient.id.as_ref(), "a").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;

        assert_eq!(drain(&env.worker()).await, 1);

        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("webpush")));
        let attempts = env.attempts(&prompt.id).await;
        assert_eq!((attempts[0].channel.as_str(), attempts[0].outcome.as_str()), ("webpush", "sent"));
        let reqs = push.requests();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.path, "/push/a");
        assert_eq!(r.headers["urgency"], "normal");
        assert_eq!(r.headers["ttl"], "43200");
        assert_eq!(r.headers["topic"], topic(&prompt.idempotency_key));
        assert_eq!(r.claims["aud"], push.url.as_str());
        assert_eq!(r.claims["sub"], "mailto:ops@care.example.test");
        assert_eq!(r.payload, serde_json::json!({
            "title": "Aftercare",
            "body": "You have a new care reminder",
            "url": format!("/app/prompts/{}", prompt.id),
            "tag": topic(&prompt.idempotency_key),
        }));
    }

    async fn a_full_preview_carries_the_prompt_text_and_urgent_is_high(env) {
        use diesel::prelude::*;
        use shared::db::schema::prompts as t;
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        let (clinic, patient) = env.patient().await;
        env.profile(&patient.id, |p| p.lock_screen_preview = LockScreenPreview::Full).await;
        web_device(&env, &push, patient.id.as_ref(), "full").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let id = prompt.id.to_string();
        env.run(move |c| diesel::update(t::table.find(&id)).set(t::urgent.eq(true)).execute(c).unwrap()).await;

        drain(&env.worker()).await;
        let r = &push.requests()[0];
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.headers["urgency"], "high");
        assert_eq!(r.payload["title"], "Redness check");
        assert_eq!(r.payload["body"], "Is the redness fading since yesterday?");
    }

    async fn a_gone_subscription_is_retired_and_email_takes_over(env) {
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        push.answer([(410, None, Vec::new())]);
        let (clinic, patient) = env.patient().await;
        let device = web_device(&env, &push, patient.id.as_ref(), "gone").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;

        drain(&env.worker()).await;

        let d = env.device_row(&device.id).await;
        assert!(!d.active);
        assert!(d.last_error.as_deref().unwrap().contains("410"), "{:?}", d.last_error);
        let attempts = env.attempts(&prompt.id).await;
        assert_eq!(attempts[0].outcome.as_str(), "invalid_token");
        assert!(attempts.iter().any(|a| a.channel.as_str() == "log"), "email (to the log here) stands in");
        // A retired subscription gets nothing more.
        let next = env.prompt(&clinic.id, &patient.id).await;
        drain(&env.worker()).await;
        assert_eq!(push.requests().len(), 1);
        assert_eq!(env.reload(&next.id).await.channel.map(|c| c.as_str()), Some("log"));
    }

    async fn a_429_with_retry_after_backs_off_and_pauses_the_push_service(env) {
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        push.answer([(429, None, vec![("retry-after", "120".to_owned())])]);
        let (clinic, patient) = env.patient().await;
        web_device(&env, &push, patient.id.as_ref(), "busy").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let w = env.worker();

        drain(&w).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!(p.status.as_str(), "scheduled");
        assert!(p.available_at >= shared::time::now() + chrono::Duration::seconds(110), "{:?}", p.available_at);
        let attempts = env.attempts(&prompt.id).await;
        assert_eq!((attempts[0].outcome.as_str(), attempts[0].status_code), ("retry", Some(429)));

        // Made due early, the same worker still leaves the paused push service alone.
        env.make_due(&prompt.id).await;
        drain(&w).await;
        assert_eq!(push.requests().len(), 1);
    }

    async fn a_subscription_refusing_our_key_is_retired_without_an_operator_alarm(env) {
        for status in [401u16, 403] {
            let push = FakeWebPush::start().await;
            env.set(push.settings());
            push.answer([(status, None, Vec::new())]);
            let (clinic, patient) = env.patient().await;
            let device = web_device(&env, &push, patient.id.as_ref(), "vapid").await;
            let prompt = env.prompt(&clinic.id, &patient.id).await;
            let w = env.worker();
            drain(&w).await;
            let d = env.device_row(&device.id).await;
            assert!(!d.active, "{status}");
            let err = d.last_error.unwrap();
            assert!(err.contains(&status.to_string()) && err.contains("key not accepted"), "{err}");
            assert!(shared::care::readiness::push_config_errors(&w.metrics).is_empty(), "{status}");
            let attempts = env.attempts(&prompt.id).await;
            assert_eq!(attempts[0].outcome.as_str(), "invalid_token");
            assert!(attempts.iter().any(|a| a.channel.as_str() == "log"), "email (to the log here) stands in");
        }
    }

    async fn a_400_is_a_failed_attempt_for_that_device_only(env) {
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        push.answer([(400, None, Vec::new())]);
        let (clinic, patient) = env.patient().await;
        let device = web_device(&env, &push, patient.id.as_ref(), "bad").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let w = env.worker();
        drain(&w).await;
        assert!(env.device_row(&device.id).await.active);
        assert!(shared::care::readiness::push_config_errors(&w.metrics).is_empty());
        let attempts = env.attempts(&prompt.id).await;
        assert_eq!((attempts[0].outcome.as_str(), attempts[0].status_code), ("failed", Some(400)));
    }

    async fn reverting_web_push_leaves_data_the_previous_schema_can_read(env) {
        use diesel::connection::SimpleConnection;
        use diesel::prelude::*;
        let push = FakeWebPush::start().await;
        env.set(push.settings());
        let (clinic, patient) = env.patient().await;
        web_device(&env, &push, patient.id.as_ref(), "down").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        drain(&env.worker()).await;
        assert_eq!(env.reload(&prompt.id).await.channel.map(|c| c.as_str()), Some("webpush"));

        let id = prompt.id.to_string();
        let (channel, webpush_attempts, web_devices, refused) = env.run(move |c| {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                channel: Option<String>,
            }
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let count = |c: &mut shared::db::DbConn, sql: &str| -> i64 {
                match c {
                    shared::db::DbConn::Pg(pg) => diesel::sql_query(sql).get_result::<Count>(pg).unwrap().n,
                    shared::db::DbConn::Sqlite(l) => diesel::sql_query(sql).get_result::<Count>(l).unwrap().n,
                }
            };
            let select = format!("SELECT channel FROM prompts WHERE id = '{id}'");
            let insert = format!(
                "INSERT INTO delivery_attempts (id, prompt_id, channel, outcome, worker_id, attempted_at) \
                 VALUES ('x', '{id}', 'webpush', 'sent', 'w', CURRENT_TIMESTAMP)"
            );
            let (channel, refused) = match c {
                shared::db::DbConn::Pg(pg) => {
                    // The migrations after Web Push are reverted first, newest first.
                    pg.batch_execute(include_str!("../../../migrations/postgres/2026-12-08-300001_prompt_sent_inline/down.sql")).unwrap();
                    pg.batch_execute(include_str!("../../../migrations/postgres/2026-12-07-280001_sms/down.sql")).unwrap();
                    pg.batch_execute(include_str!("../../../migrations/postgres/2026-12-07-270002_web_push/down.sql")).unwrap();
                    let ch = diesel::sql_query(&select).get_result::<Row>(pg).unwrap().channel;
                    (ch, diesel::sql_query(&insert).execute(pg).is_err())
                }
                shared::db::DbConn::Sqlite(l) => {
                    // The migrations after Web Push are reverted first, newest first.
                    l.batch_execute(include_str!("../../../migrations/sqlite/2026-12-08-300001_prompt_sent_inline/down.sql")).unwrap();
                    l.batch_execute(include_str!("../../../migrations/sqlite/2026-12-07-280001_sms/down.sql")).unwrap();
                    l.batch_execute(include_str!("../../../migrations/sqlite/2026-12-07-270002_web_push/down.sql")).unwrap();
                    let ch = diesel::sql_query(&select).get_result::<Row>(l).unwrap().channel;
                    (ch, diesel::sql_query(&insert).execute(l).is_err())
                }
            };
            let attempts = count(c, "SELECT COUNT(*) AS n FROM delivery_attempts WHERE channel = 'webpush'");
            let devices = count(c, "SELECT COUNT(*) AS n FROM devices WHERE platform = 'web'");
            (channel, attempts, devices, refused)
        }).await;
        assert_eq!(channel, None, "the previous binary has no webpush channel");
        assert_eq!((webpush_attempts, web_devices), (0, 0));
        assert!(refused, "the old CHECK is back");
    }
}
