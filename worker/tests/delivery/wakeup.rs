//! What wakes the delivery jobs besides their cron tick: PostgreSQL notifications (the triggers
//! and the listener), the earliest waiting prompt's due time, and the cron tick as the fallback.
//! Each worker here runs with a cron tick that never comes during a test (unless the test is
//! about the tick), so whatever is delivered was delivered by the wake-up under test.

use std::future::Future;
use std::time::Duration;

use chrono::Duration as Span;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Bool, Integer};
use shared::db::Backend;
use shared::db::deliveries::{self, Outcome, Resolution};
use shared::db::notify::{self, Due, Listener};
use shared::db::prompts;
use shared::domain::DeliveryChannel;
use shared::testing::fixtures;
use shared::testing::smtp::SmtpServer;
use shared::time::now;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use worker::Worker;

use crate::both_backends;
use crate::fakes::FakeFcm;
use crate::helpers::{Env, escalate, new_prompt};

/// A cron tick that does not come while a test runs.
const NEVER: &str = "0 0 0 1 1 * 2099";
/// Generous: the wake-ups under test take well under a second; a loaded machine may be slow.
const PATIENCE: Duration = Duration::from_secs(20);

struct Running {
    worker: Worker,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Running {
    fn start(worker: Worker) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(worker.clone().run(stopped));
        Self { worker, stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.await.unwrap();
        assert_eq!(self.worker.metrics.worker_listening.get(), 0);
    }

    fn wakeups(&self, job: &str, reason: &str) -> u64 {
        self.worker.metrics.wakeups(job, reason)
    }

    async fn listening(&self) {
        wait_until("the listener connects", || async {
            self.worker.metrics.worker_listening.get() == 1
        })
        .await;
    }
}

async fn wait_until<F: Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let started = std::time::Instant::now();
    while !done().await {
        assert!(started.elapsed() < PATIENCE, "gave up waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A patient with one Android device on a fake FCM, and a worker whose tick never comes.
async fn android_patient(env: &mut Env, fcm: &FakeFcm) -> (String, String) {
    env.set(fcm.settings());
    env.set([("AFTERCARE_DISPATCH_CRON", NEVER.to_owned())]);
    let (clinic, patient) = env.patient().await;
    env.device(&patient.id, "android", "android-token-wake")
        .await;
    (clinic.id.into_string(), patient.id.into_string())
}

/// The backend pid of the worker's listening session, if one is connected.
async fn listener_pid(env: &Env) -> Option<i32> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = Integer)]
        pid: i32,
    }
    env.run(|c| {
        sql_query(format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = '{}'",
            notify::APPLICATION_NAME
        ))
        .get_result::<Pid>(c)
        .optional()
        .unwrap()
        .map(|p| p.pid)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wakeup_triggers_notify_when_work_becomes_due_and_never_for_outcomes() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let (clinic, patient) = env.patient().await;
    let url = env.database.url_string();
    let mut listener = tokio::task::spawn_blocking(move || Listener::connect(&url).unwrap())
        .await
        .unwrap();
    // Reads notifications until one of `marker`'s queue arrives; returns all it saw.
    async fn until_marker(listener: &mut Listener, alerts: bool) -> Due {
        let mut seen = Due::default();
        wait_until("the notification arrives", || {
            let due = listener.poll().unwrap();
            seen.prompts |= due.prompts;
            seen.clinic_alerts |= due.clinic_alerts;
            let done = if alerts {
                seen.clinic_alerts
            } else {
                seen.prompts
            };
            async move { done }
        })
        .await;
        seen
    }

    // Written due now: notified.
    let due = new_prompt(&clinic.id, &patient.id, "wake-due");
    let row = due.clone();
    env.run(move |c| prompts::insert(c, &[row]).unwrap()).await;
    let seen = until_marker(&mut listener, false).await;
    assert_eq!(
        seen,
        Due {
            prompts: true,
            clinic_alerts: false
        }
    );

    // Planned for tomorrow, claimed, resolved as sent, retried with a backoff: the drain's own
    // writes and future work notify nothing. The urgent alert afterwards is the marker: a later
    // transaction's notification arrives after any earlier one's.
    let mut future = new_prompt(&clinic.id, &patient.id, "wake-future");
    future.available_at = now() + Span::days(1);
    future.due_at = future.available_at;
    let (cid, pid) = (clinic.id.clone(), patient.id.clone());
    env.run(move |c| {
        prompts::insert(c, &[future]).unwrap();
        let t = now();
        let mut leased = prompts::claim_due(c, "w", t, t + Span::minutes(2), 10).unwrap();
        assert_eq!(leased.len(), 1);
        let retried = new_prompt(&cid, &pid, "wake-retried");
        prompts::insert(c, std::slice::from_ref(&retried)).unwrap();
        leased.extend(prompts::claim_due(c, "w", t, t + Span::minutes(2), 10).unwrap());
        let outcomes = vec![
            Outcome {
                prompt_id: leased[0].id.clone(),
                resolution: Resolution::Sent {
                    channel: DeliveryChannel::Fcm,
                },
                attempts: Vec::new(),
                follow_up: None,
            },
            Outcome {
                prompt_id: retried.id.clone(),
                resolution: Resolution::Retry {
                    at: now() + deliveries::backoff(1, None),
                    error: "unavailable".into(),
                },
                attempts: Vec::new(),
                follow_up: None,
            },
        ];
        deliveries::resolve_group(c, "w", &outcomes, now()).unwrap();
    })
    .await;
    // The retried prompt's own insert notified (it was due); drain that first.
    until_marker(&mut listener, false).await;
    let (cid, pid) = (clinic.id.clone(), patient.id.clone());
    env.run(move |c| escalate(c, &cid, &pid, "urgent")).await;
    let seen = until_marker(&mut listener, true).await;
    assert_eq!(
        seen,
        Due {
            prompts: false,
            clinic_alerts: true
        },
        "claim, outcomes and future rows notify nothing"
    );

    // A lease handed back makes the prompt claimable again: notified.
    env.run(|c| {
        let t = now();
        let leased = prompts::claim_due(c, "w", t, t + Span::minutes(2), 10).unwrap();
        assert!(leased.is_empty(), "nothing else is due");
        let t = now() - Span::minutes(1);
        diesel::update(shared::db::schema::prompts::table)
            .filter(shared::db::schema::prompts::idempotency_key.eq("wake-due"))
            .set((
                shared::db::schema::prompts::status.eq(shared::domain::PromptStatus::Sending),
                shared::db::schema::prompts::lease_owner.eq("dead-worker"),
                shared::db::schema::prompts::lease_expires_at.eq(t),
            ))
            .execute(c)
            .unwrap();
        assert_eq!(prompts::release_expired_leases(c, now()).unwrap(), 1);
    })
    .await;
    let seen = until_marker(&mut listener, false).await;
    assert!(seen.prompts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wakeup_a_prompt_written_due_goes_out_without_waiting_for_the_tick() {
    let Some(mut env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let fcm = FakeFcm::start().await;
    let (clinic, patient) = android_patient(&mut env, &fcm).await;
    let running = Running::start(env.worker());
    running.listening().await;

    let prompt = env.prompt(&clinic, &patient).await;

    wait_until("the prompt reaches FCM", || async { fcm.count() == 1 }).await;
    assert_eq!(fcm.requests()[0].key(), prompt.idempotency_key);
    wait_until("the prompt is recorded as sent", || async {
        env.reload(&prompt.id).await.status.as_str() == "sent"
    })
    .await;
    assert!(running.wakeups("dispatch", "notify") >= 1);
    assert_eq!(running.wakeups("dispatch", "cron"), 0);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wakeup_an_urgent_clinic_alert_goes_out_without_waiting_for_the_tick() {
    let Some(mut env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    env.set(smtp.settings());
    env.set([("AFTERCARE_DISPATCH_CRON", NEVER.to_owned())]);
    let (clinic, admin, patient) = env
        .run(|c| {
            let clinic = fixtures::clinic(c, "Night Clinic");
            let admin = fixtures::user(c, &clinic.id, "clinic_admin");
            let (patient, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            (
                clinic.id.into_string(),
                admin.email,
                patient.id.into_string(),
            )
        })
        .await;
    let running = Running::start(env.worker());
    running.listening().await;

    env.run(move |c| escalate(c, &clinic, &patient, "urgent"))
        .await;

    wait_until("the clinic is emailed", || async {
        !smtp.to(&admin).is_empty()
    })
    .await;
    assert!(running.wakeups("clinic_alerts", "notify") >= 1);
    assert_eq!(running.wakeups("clinic_alerts", "cron"), 0);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wakeup_the_listener_reconnects_after_its_connection_is_terminated() {
    let Some(mut env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let fcm = FakeFcm::start().await;
    let (clinic, patient) = android_patient(&mut env, &fcm).await;
    let running = Running::start(env.worker());
    running.listening().await;
    let first = listener_pid(&env).await.expect("a listening session");
    let caught_up = running.wakeups("dispatch", "catch_up");

    #[derive(QueryableByName)]
    struct Terminated {
        #[diesel(sql_type = Bool)]
        done: bool,
    }
    let killed = env
        .run(move |c| {
            sql_query(format!("SELECT pg_terminate_backend({first}) AS done"))
                .get_result::<Terminated>(c)
                .unwrap()
                .done
        })
        .await;
    assert!(killed);
    wait_until("the listener is back on a new session", || async {
        listener_pid(&env).await.is_some_and(|pid| pid != first)
            && running.worker.metrics.worker_listening.get() == 1
    })
    .await;
    // Notifications sent while it was away are lost: it catches up once it is back.
    wait_until("the catch-up after reconnecting", || async {
        running.wakeups("dispatch", "catch_up") > caught_up
    })
    .await;

    let prompt = env.prompt(&clinic, &patient).await;
    wait_until("the prompt reaches FCM", || async { fcm.count() == 1 }).await;
    assert_eq!(fcm.requests()[0].key(), prompt.idempotency_key);
    assert_eq!(running.wakeups("dispatch", "cron"), 0);
    running.stop().await;
}

both_backends! {
    async fn wakeup_a_prompt_goes_out_when_it_becomes_due_between_ticks(env) {
        let fcm = FakeFcm::start().await;
        let (clinic, patient) = android_patient(&mut env, &fcm).await;
        // Due in two seconds: not claimable at the worker's first (catch-up) drain, which then
        // asks when the earliest prompt is due and runs again at that time.
        let mut prompt = new_prompt(&clinic, &patient, "wake-later");
        prompt.available_at = now() + Span::seconds(2);
        prompt.due_at = prompt.available_at;
        let row = prompt.clone();
        env.run(move |c| prompts::insert(c, &[row]).unwrap()).await;

        let running = Running::start(env.worker());
        wait_until("the prompt reaches FCM", || async { fcm.count() == 1 }).await;
        // FCM has it before the worker records the outcome (outcomes are written in groups).
        wait_until("the prompt is recorded sent", || async {
            env.reload(&prompt.id).await.sent_at.is_some()
        })
        .await;
        let sent = env.reload(&prompt.id).await;
        assert!(sent.sent_at.unwrap() >= prompt.available_at, "never before it is due");
        assert!(running.wakeups("dispatch", "due") >= 1);
        assert_eq!(running.wakeups("dispatch", "cron"), 0);
        running.stop().await;
    }

    async fn wakeup_without_a_listener_the_cron_tick_delivers(env) {
        // SQLite has no notifications; on PostgreSQL the listener is switched off. Either way
        // the tick (every second here) is what delivers.
        let fcm = FakeFcm::start().await;
        let (clinic, patient) = android_patient(&mut env, &fcm).await;
        env.set([
            ("AFTERCARE_DISPATCH_CRON", "* * * * * *".to_owned()),
            ("AFTERCARE_WORKER_LISTEN", "off".to_owned()),
        ]);
        let running = Running::start(env.worker());
        wait_until("the start's catch-up ran", || async {
            running.wakeups("dispatch", "catch_up") == 1
                && running.wakeups("dispatch", "cron") >= 1
        })
        .await;
        let prompt = env.prompt(&clinic, &patient).await;

        wait_until("the prompt reaches FCM", || async { fcm.count() == 1 }).await;
        assert_eq!(fcm.requests()[0].key(), prompt.idempotency_key);
        assert_eq!(running.worker.metrics.worker_listening.get(), 0);
        assert_eq!(running.wakeups("dispatch", "notify"), 0);
        if env.db.backend() == Backend::Postgres {
            assert_eq!(listener_pid(&env).await, None, "no listening session");
        }
        running.stop().await;
    }
}
