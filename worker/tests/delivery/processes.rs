//! The real `worker` binary against PostgreSQL: killed with SIGKILL mid-drain and restarted,
//! two processes at once, and a graceful SIGTERM.
//!
//! "Exactly once in effect": a worker killed after the provider accepted a push but before the
//! outcome was recorded leaves a lease that expires, and the prompt is sent again. So the crash
//! test asserts (1) none lost: every prompt ends `sent` and every idempotency key reached the
//! fake; (2) one history: exactly one `sent` attempt record per prompt; (3) repeats are bounded
//! by what can be unrecorded when a process dies: duplicates ≤ kills × 3 × IN_FLIGHT (the sends
//! in flight, the recorder's queue and the group it is writing); (4) every
//! request, repeats included, carries the prompt's idempotency key (FCM collapse key, data and
//! `apns-collapse-id`), so the provider and the app collapse a repeat into one notification.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::Rng;
use shared::db::prompts::{self, Prompt};
use shared::db::schema::prompts as p;
use shared::db::{Backend, new_id};
use shared::testing::fixtures;

/// `AFTERCARE_SENDS_IN_FLIGHT` for these processes.
const IN_FLIGHT: usize = 8;

use crate::fakes::FakeFcm;
use crate::helpers::{Env, new_prompt};

pub(crate) struct Proc {
    child: Child,
    log: PathBuf,
}

fn spawn(env: &Env, fcm: &FakeFcm, extra: &[(&str, &str)]) -> Proc {
    spawn_with(env, fcm.settings(), extra)
}

/// The real `worker` binary on `env`'s database with a one-second dispatch and recovery cron,
/// 10 s leases, batches of 25, the `services` settings (a fake provider, the loopback SMTP
/// server) and then `extra`.
pub(crate) fn spawn_with(
    env: &Env,
    services: Vec<(&'static str, String)>,
    extra: &[(&str, &str)],
) -> Proc {
    let log = std::env::temp_dir().join(format!("worker-{}.log", new_id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
    // A clean environment: unknown AFTERCARE_* variables would be rejected.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", env.database.url_string())
        .env("RUST_LOG", "warn")
        .env("AFTERCARE_DB_POOL_SIZE", "4")
        .env("AFTERCARE_DISPATCH_CRON", "* * * * * *")
        .env("AFTERCARE_RECOVERY_CRON", "* * * * * *")
        .env("AFTERCARE_LEASE_SECS", "10")
        .env("AFTERCARE_BATCH_SIZE", "25")
        .env("AFTERCARE_SENDS_IN_FLIGHT", IN_FLIGHT.to_string());
    for (k, v) in services {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(File::create(&log).unwrap())
        .spawn()
        .unwrap();
    Proc { child, log }
}

impl Proc {
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then wait for a clean exit.
    pub(crate) fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(code) = self.child.try_wait().unwrap() {
                assert!(code.success(), "worker exited with {code}: {}", self.log());
                return;
            }
            assert!(
                Instant::now() < deadline,
                "worker ignored SIGTERM: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `patients` patients with one Android device each and `per_patient` due prompts each.
async fn seed(env: &Env, patients: usize, per_patient: usize) -> Vec<Prompt> {
    env.run(move |c| {
        let clinic = fixtures::clinic(c, "Load Clinic");
        let mut all = Vec::new();
        for i in 0..patients {
            let (user, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            let device = shared::db::devices::DeviceForm::of_platform(
                shared::domain::Platform::Android,
                &format!("load-token-{i}"),
                None,
            );
            shared::db::devices::register(c, &user.id.as_patient(), &device, shared::time::now())
                .unwrap();
            for _ in 0..per_patient {
                all.push(new_prompt(
                    &clinic.id,
                    &user.id,
                    &format!("idem-{}", new_id()),
                ));
            }
        }
        prompts::insert(c, &all).unwrap();
        all
    })
    .await
}

async fn sent_count(env: &Env) -> i64 {
    env.run(|c| {
        p::table
            .filter(p::status.eq("sent"))
            .count()
            .get_result(c)
            .unwrap()
    })
    .await
}

/// Polls `done` (every 20 ms) for at most `limit`; a safety net, not a timing assertion.
pub(crate) async fn wait_for<F, Fut>(limit: Duration, what: &str, procs: &[&Proc], mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !done().await {
        if Instant::now() > deadline {
            let logs: Vec<String> = procs.iter().map(|p| p.log()).collect();
            panic!("timed out waiting for {what}; worker logs: {logs:#?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every recorded attempt of every prompt, attempt rows and sends recorded on the prompt row
/// alike (`shared::db::deliveries::for_prompts`).
async fn all_attempts(env: &Env) -> Vec<shared::db::deliveries::Attempt> {
    env.run(|c| {
        let ids: Vec<shared::domain::PromptId> = p::table.select(p::id).load(c).unwrap();
        shared::db::deliveries::for_prompts(c, &ids).unwrap()
    })
    .await
}

/// Per prompt: how many `sent` attempt records exist.
async fn sent_records(env: &Env) -> HashMap<String, i64> {
    let mut per_prompt = HashMap::new();
    for a in all_attempts(env).await {
        if a.outcome == shared::domain::DeliveryOutcome::Sent {
            *per_prompt.entry(a.prompt_id.to_string()).or_insert(0) += 1;
        }
    }
    per_prompt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_large_drain_loses_nothing_and_repeats_only_in_flight_sends() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let fcm = FakeFcm::start_with_delay(Duration::from_millis(5)).await;
    let all = seed(&env, 20, 100).await;
    let total = all.len();
    let kills = 6;
    let mut rng = rand::thread_rng();

    for _ in 0..kills {
        let proc = spawn(&env, &fcm, &[]);
        let from = fcm.count();
        let more = rng.gen_range(40..=200);
        wait_for(
            Duration::from_secs(60),
            "sends before the kill",
            &[&proc],
            || {
                let n = fcm.count();
                async move { n >= from + more }
            },
        )
        .await;
        proc.kill();
    }
    let interrupted = sent_count(&env).await;
    assert!(
        (interrupted as usize) < total,
        "the kills must land mid-drain ({interrupted} of {total} already sent)"
    );

    let last = spawn(&env, &fcm, &[]);
    wait_for(
        Duration::from_secs(180),
        "every prompt sent",
        &[&last],
        || {
            let env = &env;
            async move { sent_count(env).await as usize == total }
        },
    )
    .await;
    last.terminate();

    // (1) None lost.
    let statuses: Vec<String> = env
        .run(|c| p::table.select(p::status).load(c).unwrap())
        .await;
    assert!(statuses.iter().all(|s| s == "sent"));
    let requests = fcm.requests();
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for r in &requests {
        *per_key.entry(r.key()).or_default() += 1;
    }
    let expected: HashSet<&str> = all.iter().map(|p| p.idempotency_key.as_str()).collect();
    let received: HashSet<&str> = per_key.keys().copied().collect();
    assert_eq!(
        received, expected,
        "every prompt reached the provider, and nothing else did"
    );

    // (2) One recorded delivery per prompt.
    let records = sent_records(&env).await;
    assert_eq!(records.len(), total);
    assert!(
        records.values().all(|&n| n == 1),
        "exactly one sent record per prompt"
    );

    // (3) Repeats only for sends in flight at a kill.
    let duplicates = requests.len() - expected.len();
    eprintln!(
        "{kills} kills, {} requests, {duplicates} repeated sends ({:.1} per kill)",
        requests.len(),
        duplicates as f64 / kills as f64
    );
    assert!(
        duplicates <= kills * 3 * IN_FLIGHT,
        "{duplicates} repeats exceed what {kills} kills can leave in flight"
    );

    // (4) Every request, repeats included, carries the prompt's idempotency key.
    for r in &requests {
        let m = &r.body["message"];
        let key = r.key();
        assert!(expected.contains(key));
        assert_eq!(m["android"]["collapse_key"], key);
        // The phone replaces a repeated notification instead of showing it twice.
        assert_eq!(m["android"]["notification"]["tag"], key);
        assert_eq!(m["apns"]["headers"]["apns-collapse-id"], key);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_worker_processes_on_one_database_send_each_prompt_once() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let fcm = FakeFcm::start_with_delay(Duration::from_millis(5)).await;
    let all = seed(&env, 10, 100).await;
    let total = all.len();
    // Long leases: nothing expires, so any repeat would be a claiming bug.
    let a = spawn(
        &env,
        &fcm,
        &[
            ("AFTERCARE_WORKER_ID", "worker-a"),
            ("AFTERCARE_LEASE_SECS", "300"),
        ],
    );
    let b = spawn(
        &env,
        &fcm,
        &[
            ("AFTERCARE_WORKER_ID", "worker-b"),
            ("AFTERCARE_LEASE_SECS", "300"),
        ],
    );
    wait_for(
        Duration::from_secs(120),
        "every prompt sent",
        &[&a, &b],
        || {
            let env = &env;
            async move { sent_count(env).await as usize == total }
        },
    )
    .await;
    a.terminate();
    b.terminate();

    let requests = fcm.requests();
    let distinct: HashSet<&str> = requests.iter().map(|r| r.key()).collect();
    assert_eq!(distinct.len(), total);
    assert_eq!(requests.len(), total, "no prompt sent twice");
    let records = sent_records(&env).await;
    assert!(records.len() == total && records.values().all(|&n| n == 1));
    let workers: HashSet<String> = all_attempts(&env)
        .await
        .into_iter()
        .map(|a| a.worker_id)
        .collect();
    assert_eq!(workers.len(), 2, "both processes took part: {workers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_in_flight_sends_records_them_and_exits() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let fcm = FakeFcm::start_with_delay(Duration::from_millis(20)).await;
    let all = seed(&env, 5, 100).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    // One batch of all 500: the stop comes while the first read window (256) is being sent, so
    // the second is handed back unread.
    let proc = spawn(
        &env,
        &fcm,
        &[
            ("AFTERCARE_WORKER_METRICS_BIND", &bind),
            ("AFTERCARE_BATCH_SIZE", "500"),
        ],
    );
    wait_for(
        Duration::from_secs(60),
        "the drain to start",
        &[&proc],
        || {
            let n = fcm.count();
            async move { n >= 30 }
        },
    )
    .await;
    // The standalone worker serves its own counters while it drains.
    let metrics = reqwest::get(format!("http://{bind}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"aftercare_deliveries_total{channel="fcm",outcome="sent"}"#),
        "{metrics}"
    );
    let health = reqwest::get(format!("http://{bind}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    proc.terminate();

    let rows: Vec<(String, String)> = env
        .run(|c| {
            p::table
                .select((p::idempotency_key, p::status))
                .load(c)
                .unwrap()
        })
        .await;
    let status: HashMap<String, String> = rows.into_iter().collect();
    assert!(
        status.values().all(|s| s == "sent" || s == "scheduled"),
        "nothing left leased"
    );
    let sent = status.values().filter(|s| *s == "sent").count();
    assert!(sent < all.len(), "stopped before the end of the drain");
    for r in fcm.requests() {
        assert_eq!(
            status[r.key()],
            "sent",
            "a send the provider got was recorded"
        );
    }
}

#[test]
fn an_unreadable_push_key_stops_the_worker_at_start_naming_the_setting() {
    let db = shared::testing::TestDatabase::sqlite();
    let out = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db.url_string())
        .env("AFTERCARE_FCM_PROJECT_ID", "p")
        .env("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE", "/nonexistent/sa.json")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE"),
        "{stderr}"
    );
}
