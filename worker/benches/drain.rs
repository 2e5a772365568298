//! Drain benchmark: the release `worker` binary sends a backlog of due prompts to a loopback
//! fake of FCM, and the bench reports throughput, lateness, database commits and WAL flushes
//! per prompt, the worker's peak RSS, the fake's own capacity, and the database's raw limit for
//! the same write set. Run with
//!
//! ```sh
//! [WORKERS=n] [QUOTA_PER_MINUTE=q] cargo bench -p worker --bench drain -- [prompts] [patients] \
//!     [sqlite|postgres] [batch] [in_flight]
//! ```
//!
//! (defaults: 100,000 prompts for 10,000 patients with one Android device each, postgres,
//! batches of 1,000, 64 sends in flight, one worker, no quota). `WORKERS` starts that many
//! worker processes on the one database. `QUOTA_PER_MINUTE` sets the workers'
//! `AFTERCARE_FCM_QUOTA_PER_MINUTE` and makes the fake enforce it as FCM would, strictly: at
//! most `q / 60` messages in each wall-clock second, a 429 with `Retry-After: 1` above that; the
//! bench then reports the 429s (the target is none), the busiest second and the achieved rate
//! against the quota. `DRAIN_FUTURE_ROWS=N` (PostgreSQL) adds N prompts planned over the next
//! year beside the due ones. With `DRAIN_GRAPHILE=1` (PostgreSQL), graphile-worker then drains
//! the same number of jobs on the same fake (`benches/graphile/`).
//!
//! `DRAIN_PROVIDERS=fcm,apns,webpush,sms,email` (any of them, in any order, repeats allowed;
//! `all` is those five) runs the drain once per provider, back to back, each on a fresh database
//! (default `fcm`), every channel of the outbox spoken to in its real wire format by the same
//! loopback fake (`common/fake_fcm.rs`), which answers at once as the provider does:
//! - `fcm`: every patient has one Android device (FCM HTTP v1 over HTTP/1.1 keep-alive).
//! - `apns`: one iOS device each (provider `apns`, `apns_environment` production, a 64-digit hex
//!   token); the worker speaks HTTP/2 with prior knowledge to the fake's h2c port (its APNs client
//!   does for an `http://` base URL), signing its ES256 provider token with the test key
//!   `tests/delivery/keys/apns_test_key.p8`; each send is answered 200 with its `apns-id`.
//! - `webpush`: one browser subscription each whose endpoint is the fake, answered 201 without
//!   decrypting (the worker still encrypts, RFC 8291, and signs VAPID, RFC 8292).
//! - `sms`: no device, email off, texts on with a granted consent in force for a valid Spanish
//!   mobile number (`+34601…`), so the product texts every prompt (`worker/src/channels.rs`):
//!   a permit of the sender's rate, a `pending` attempt committed before the call, Twilio's
//!   Messages API (form-encoded, HTTP Basic) answered 201 `queued`, the attempt completed after.
//!   The sender's rate `AFTERCARE_SMS_RATE_PER_SEC` is set to 1,000, the most the product
//!   accepts, so this run cannot drain faster than 1,000 prompts/s (its CPU per prompt is still
//!   the send's; waiting for a permit is a sleep).
//! - `email`: no device, email on: a plain-text email each over SMTP (no TLS, lettre's pool) to
//!   the fake's SMTP sink, which counts messages and keeps none.
//!
//! Every provider is configured in every run (FCM, APNs, the VAPID key with
//! `AFTERCARE_WEBPUSH_ALLOW_LOOPBACK=on`, texts, SMTP), so runs differ only by the patients'
//! devices and channels. Each run prints the workers' CPU time (user + system,
//! `/proc/<pid>/stat`) per prompt, and the last line sets every run's beside FCM's. The
//! fake's quota (`QUOTA_PER_MINUTE`) throttles FCM and Web Push requests only. `DRAIN_PROFILE=DIR`
//! records a CPU profile of each worker during the drain with `perf`
//! (DIR/PROVIDER-worker-N.perf.data).
//! Figures are in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fake_fcm.rs"]
mod fake_fcm;

/// The Web Push keys of the bench: fixed, valid P-256 keys (the fake does not decrypt).
mod web_push {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    /// The workers' `AFTERCARE_VAPID_PRIVATE_KEY`: a raw 32-byte P-256 scalar, base64url.
    pub const VAPID_PRIVATE_KEY: &str = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI";

    /// A browser subscription's `p256dh` (uncompressed point) and 16-byte `auth`, base64url.
    pub fn subscription_keys() -> (String, String) {
        let ua = p256::SecretKey::from_slice(&[0x11; 32]).unwrap();
        let point = ua.public_key().to_encoded_point(false);
        (
            URL_SAFE_NO_PAD.encode(point.as_bytes()),
            URL_SAFE_NO_PAD.encode([0x33u8; 16]),
        )
    }
}

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Double, Text, Timestamp};
use shared::db::deliveries::{self, Attempt, Outcome, Resolution};
use shared::db::{Backend, Db, DbConn, migrate, new_id, prompts};
use shared::domain::{DeliveryChannel, DeliveryOutcome};
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;

use fake_fcm::FakeFcm;

/// What the bench's patients are reached by: one channel of the outbox per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Provider {
    Fcm,
    Apns,
    WebPush,
    Sms,
    Email,
}

impl Provider {
    const ALL: [Provider; 5] = [
        Provider::Fcm,
        Provider::Apns,
        Provider::WebPush,
        Provider::Sms,
        Provider::Email,
    ];

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == word.trim())
    }

    /// `DRAIN_PROVIDERS`: comma-separated provider names, or `all`.
    fn list(list: &str) -> Vec<Self> {
        if list.trim() == "all" {
            return Self::ALL.to_vec();
        }
        list.split(',')
            .map(|w| {
                Provider::parse(w).unwrap_or_else(|| {
                    panic!("DRAIN_PROVIDERS: {w:?}: expected fcm, apns, webpush, sms, email or all")
                })
            })
            .collect()
    }

    fn name(self) -> &'static str {
        match self {
            Provider::Fcm => "fcm",
            Provider::Apns => "apns",
            Provider::WebPush => "webpush",
            Provider::Sms => "sms",
            Provider::Email => "email",
        }
    }

    fn devices(self) -> &'static str {
        match self {
            Provider::Fcm => "one android device",
            Provider::Apns => "one iOS device, APNs production",
            Provider::WebPush => "one web push subscription",
            Provider::Sms => "no device, email off, SMS consent and a mobile number",
            Provider::Email => "no device, email on",
        }
    }
}

/// The SMS sender's rate the workers get: the most `AFTERCARE_SMS_RATE_PER_SEC` accepts.
const SMS_RATE_PER_SEC: u32 = 1_000;

/// The command line and environment, the same for every provider's run.
struct Options {
    total: i64,
    patients: i64,
    backend: Backend,
    batch: i64,
    in_flight: i64,
    workers: u64,
    quota_per_minute: Option<u64>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize, default: i64| -> i64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let env_number = |name: &str| -> Option<u64> { std::env::var(name).ok()?.parse().ok() };
    let o = Options {
        total: arg(0, 100_000),
        patients: arg(1, 10_000),
        backend: match args.get(2).map(String::as_str) {
            Some("sqlite") => Backend::Sqlite,
            _ => Backend::Postgres,
        },
        batch: arg(3, 1_000),
        in_flight: arg(4, 64),
        workers: env_number("WORKERS").unwrap_or(1).max(1),
        quota_per_minute: env_number("QUOTA_PER_MINUTE"),
    };
    let providers: Vec<Provider> = match std::env::var("DRAIN_PROVIDERS") {
        Ok(list) => Provider::list(&list),
        Err(_) => vec![Provider::Fcm],
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = rt.block_on(FakeFcm::start("drain-bench", false));
    let mut cpu = Vec::new();
    for provider in providers {
        println!("== {} ==", provider.name());
        match drain(&rt, &fake, &o, provider) {
            Some(us) => cpu.push((provider, us)),
            None => return,
        }
    }
    summary(&cpu);
}

/// The last line: every run's worker CPU per prompt in µs, in the order fcm, apns, webpush,
/// sms, email (a provider run twice shows twice), each with its ratio to the first FCM run's
/// when FCM ran.
fn summary(cpu: &[(Provider, f64)]) {
    if cpu.is_empty() {
        return;
    }
    let mut runs = cpu.to_vec();
    runs.sort_by_key(|(p, _)| *p);
    let fcm = cpu
        .iter()
        .find(|(p, _)| *p == Provider::Fcm)
        .map(|(_, us)| *us);
    let figures: Vec<String> = runs
        .iter()
        .map(|(p, us)| match fcm {
            Some(fcm) if *p != Provider::Fcm => {
                format!("{} {us:.0} µs ({:.2}x fcm)", p.name(), us / fcm)
            }
            _ => format!("{} {us:.0} µs", p.name()),
        })
        .collect();
    println!("worker CPU per prompt, same run: {}", figures.join(", "));
}

/// One drain on a fresh database whose patients are reached by `provider`: fills it, runs the
/// release workers until every prompt is sent, prints the figures and returns the workers'
/// CPU time (user + system) per prompt in µs; `None` when PostgreSQL is unreachable.
fn drain(
    rt: &tokio::runtime::Runtime,
    fake: &FakeFcm,
    o: &Options,
    provider: Provider,
) -> Option<f64> {
    let Options {
        total,
        patients,
        backend,
        batch,
        in_flight,
        workers,
        quota_per_minute,
    } = *o;
    let Some(t) = TestDatabase::new(backend) else {
        eprintln!("PostgreSQL unreachable; nothing measured");
        return None;
    };
    let db = Db::connect(&t.url, 2).unwrap();
    let mut conn = db.get().unwrap();
    migrate::run_pending(&mut conn).unwrap();

    let started = Instant::now();
    let clinic = fixtures::clinic(&mut conn, "Bench");
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        for _ in 0..patients {
            fixtures::patient(c, &clinic.id, "Europe/Madrid");
        }
        Ok(())
    })
    .unwrap();
    // The future rows first, so the due ones are due from just before the drain (lateness
    // counts from there, not from before a fill of several minutes).
    let future = std::env::var("DRAIN_FUTURE_ROWS")
        .ok()
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0);
    if future > 0 {
        fill_future(&mut conn, clinic.id.as_str(), future);
    }
    let due = now() - Span::seconds(1);
    reach_by(&mut conn, provider, &fake.url);
    fill(&mut conn, clinic.id.as_str(), total, due);
    println!(
        "{backend}: {total} due prompts for {patients} patients ({} each) inserted in {:.1?}",
        provider.devices(),
        started.elapsed()
    );

    let alone = rt.block_on(fake.measure_alone(20_000, in_flight as usize));
    println!(
        "fake FCM alone: {alone:.0} requests/s with {in_flight} in flight (HTTP/1.1 keep-alive)"
    );
    match quota_per_minute {
        Some(q) => {
            fake.enforce(q / 60);
            println!("fake FCM enforces {q}/min as at most {} per second", q / 60);
        }
        None => fake.enforce(0),
    }
    let before = Counters::read(&mut conn);

    // The workers speak to the fake as `AFTERCARE_FCM_HTTP=auto` does to a plain-http endpoint
    // (HTTP/1.1) unless `DRAIN_FCM_HTTP` names a version (`http2`: HTTP/2 by prior knowledge,
    // as FCM's own endpoint is spoken to over TLS).
    let fcm_http = std::env::var("DRAIN_FCM_HTTP").ok();
    // The release workers, polling every second; the bench waits until every prompt is sent.
    // Every provider is configured in every run, so runs differ only by the patients' reach.
    let mut procs: Vec<_> = (0..workers)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
            cmd.env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", t.url_string())
                .env("RUST_LOG", "warn")
                .env("AFTERCARE_WORKER_ID", format!("bench-{i}"))
                .env("AFTERCARE_DB_POOL_SIZE", "4")
                .env("AFTERCARE_DISPATCH_CRON", "* * * * * *")
                .env("AFTERCARE_BATCH_SIZE", batch.to_string())
                .env("AFTERCARE_SENDS_IN_FLIGHT", in_flight.to_string())
                .env("AFTERCARE_FCM_PROJECT_ID", "bench-project")
                .env("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE", &fake.service_account)
                .env("AFTERCARE_FCM_BASE_URL", &fake.url)
                .env("AFTERCARE_FCM_TOKEN_URL", format!("{}/token", fake.url))
                .env("AFTERCARE_VAPID_PRIVATE_KEY", web_push::VAPID_PRIVATE_KEY)
                .env("AFTERCARE_WEBPUSH_ALLOW_LOOPBACK", "on")
                .envs(other_channels(fake))
                .stdout(Stdio::null());
            if let Some(q) = quota_per_minute {
                cmd.env("AFTERCARE_FCM_QUOTA_PER_MINUTE", q.to_string());
            }
            if let Some(http) = &fcm_http {
                cmd.env("AFTERCARE_FCM_HTTP", http);
            }
            cmd.spawn().unwrap()
        })
        .collect();
    // `DRAIN_PROFILE=DIR`: a CPU profile of each worker for the whole drain (perf, sampling
    // `cpu-clock` with DWARF call stacks), read with `perf report -i DIR/worker-N.perf.data`.
    let profilers: Vec<_> = std::env::var("DRAIN_PROFILE")
        .ok()
        .map(|dir| {
            std::fs::create_dir_all(&dir).unwrap();
            procs
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    profile(
                        p.id(),
                        &format!("{dir}/{}-worker-{i}.perf.data", provider.name()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut polls = 0;
    let mut peak_rss_kib = 0;
    loop {
        std::thread::sleep(Duration::from_millis(250));
        for p in &procs {
            peak_rss_kib = peak_rss_kib.max(vm_hwm_kib(p.id()));
        }
        polls += 1;
        if remaining(&mut conn) == 0 {
            break;
        }
        for p in &mut procs {
            assert!(
                p.try_wait().unwrap().is_none(),
                "a worker exited before the drain finished"
            );
        }
    }
    let after = Counters::read(&mut conn);
    for mut perf in profilers {
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    // Before the stop, so the figure is the drain's (with the workers' start and idle polls).
    let cpu_secs: f64 = procs.iter().map(|p| cpu_seconds(p.id())).sum();
    for p in &mut procs {
        let _ = Command::new("kill")
            .args(["-TERM", &p.id().to_string()])
            .status();
        let _ = p.wait();
    }

    let (first, last) = span(&mut conn);
    let secs = (last - first).num_microseconds().unwrap_or(1).max(1) as f64 / 1e6;
    let (p50, p99) = lateness(&mut conn);
    println!(
        "drain: {total} prompts in {secs:.2} s = {:.0} prompts/s ({workers} worker(s), batch \
         {batch}, {in_flight} in flight); fake accepted {}",
        total as f64 / secs,
        fake.count()
    );
    if let Some(q) = quota_per_minute {
        let (throttled, busiest) = fake.quota_figures();
        let per_second = (q / 60) as f64;
        println!(
            "quota {q}/min ({per_second:.0}/s): fake answered {throttled} x 429; busiest second \
             {busiest}/{per_second:.0}; achieved {:.0}/s = {:.1}% of the quota",
            total as f64 / secs,
            100.0 * total as f64 / secs / per_second
        );
    }
    println!("lateness (sent - due): p50 {p50:.2} s, p99 {p99:.2} s");
    println!(
        "worker peak RSS (largest of {workers}): {:.1} MiB",
        peak_rss_kib as f64 / 1024.0
    );
    let cpu_us = cpu_secs * 1e6 / total as f64;
    println!(
        "worker CPU per prompt: {cpu_us:.0} µs ({}: {cpu_secs:.2} s user+system of {workers} \
         worker process(es) for {total} prompts)",
        provider.name()
    );
    if let (Some(b), Some(a)) = (before, after) {
        // The bench's own polls are one transaction each.
        let commits = (a.commits - b.commits - polls - 1) as f64;
        println!(
            "database: {:.3} commits and {:.3} WAL flushes per prompt ({} WAL bytes per prompt)",
            commits / total as f64,
            (a.wal_syncs - b.wal_syncs) as f64 / total as f64,
            (a.wal_bytes - b.wal_bytes) / total
        );
    }
    raw_limit(&mut conn, total, batch);
    if backend == Backend::Postgres
        && provider == Provider::Fcm
        && std::env::var_os("DRAIN_GRAPHILE").is_some()
    {
        graphile(&t.url_string(), &fake.url, total, total as f64 / secs);
    }
    Some(cpu_us)
}

/// Starts `perf record` on process `pid` into `out` (stopped with SIGINT when the drain is done).
fn profile(pid: u32, out: &str) -> std::process::Child {
    Command::new("perf")
        .args([
            "record",
            "-q",
            "-e",
            "cpu-clock",
            "-F",
            "499",
            "--call-graph",
            "dwarf,16384",
        ])
        .args(["-p", &pid.to_string(), "-o", out])
        .stdout(Stdio::null())
        .spawn()
        .expect("DRAIN_PROFILE needs perf (Debian's linux-perf)")
}

/// User + system CPU time of a live process so far, in seconds (`/proc/<pid>/stat` fields 14
/// and 15, in clock ticks: `getconf CLK_TCK`, 100 on Linux).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command name (in parentheses, may hold spaces), field 3 onwards.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_second = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
        .unwrap_or(100);
    ticks as f64 / per_second as f64
}

/// The issue's peer on the same database server and the same fake (still serving on `rt`):
/// graphile-worker 0.18 draining `total` push jobs from its own schema, plain then batched
/// (`benches/graphile/run.mjs`), and our drain's rate over its batched rate. Needs `node` and
/// `npm`; `DRAIN_GRAPHILE_ARGS` adds arguments to both runs (e.g. `--concurrency 64`).
fn graphile(database_url: &str, fcm_url: &str, total: i64, drain_rate: f64) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/graphile");
    if !dir.join("node_modules").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm ci failed in {}", dir.display());
    }
    let extra = std::env::var("DRAIN_GRAPHILE_ARGS").unwrap_or_default();
    let mut batched = None;
    for mode in ["plain", "batched"] {
        let out = Command::new("node")
            .arg("run.mjs")
            .args([
                "--database-url",
                database_url,
                "--fcm-url",
                fcm_url,
                "--mode",
                mode,
            ])
            .args(["--jobs", &total.to_string()])
            .args(extra.split_whitespace())
            .current_dir(&dir)
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "graphile-worker {mode} run failed");
        let line = String::from_utf8_lossy(&out.stdout);
        let line = line.lines().last().unwrap_or_default().to_owned();
        println!("{line}");
        let rate = line
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("rate="))
            .and_then(|r| r.parse::<f64>().ok());
        if mode == "batched" {
            batched = rate;
        }
    }
    if let Some(rate) = batched {
        println!(
            "drain / graphile-worker batched: {drain_rate:.0} / {rate:.0} = {:.2}x (target >= 1.5x)",
            drain_rate / rate
        );
    }
}

/// The product's write set without the worker: lease a batch with the real claim, then resolve
/// it as sent, each with the one accepted attempt the worker would record (on the prompt row,
/// `deliveries::resolve_group`'s inline send), in groups of the same size, on one connection.
fn raw_limit(conn: &mut DbConn, total: i64, batch: i64) {
    sql_query(
        "UPDATE prompts SET status = 'scheduled', sent_at = NULL, channel = NULL, attempts = 0 \
         WHERE status <> 'scheduled'",
    )
    .execute(conn)
    .unwrap();
    sql_query("DELETE FROM delivery_attempts")
        .execute(conn)
        .unwrap();
    let started = Instant::now();
    let mut done = 0;
    loop {
        let t = now();
        let leased = prompts::claim_due(conn, "raw", t, t + Span::minutes(2), batch).unwrap();
        if leased.is_empty() {
            break;
        }
        let outcomes: Vec<Outcome> = leased
            .iter()
            .map(|p| Outcome {
                prompt_id: p.id.clone(),
                resolution: Resolution::Sent {
                    channel: DeliveryChannel::Fcm,
                },
                attempts: vec![Attempt {
                    id: new_id(),
                    prompt_id: p.id.clone(),
                    device_id: None,
                    channel: DeliveryChannel::Fcm,
                    outcome: DeliveryOutcome::Sent,
                    status_code: Some(200),
                    error: None,
                    provider_id: Some("projects/bench/messages/1".into()),
                    worker_id: "raw".into(),
                    attempted_at: t,
                }],
                follow_up: None,
            })
            .collect();
        deliveries::resolve_group(conn, "raw", &outcomes, now()).unwrap();
        done += leased.len() as i64;
    }
    assert_eq!(done, total);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "raw write-set limit (claim {batch} + group resolve, sends on the prompt rows, 1 connection): \
         {:.0} prompts/s",
        total as f64 / secs
    );
}

/// The settings of the channels beside FCM and Web Push, all on the loopback fake: APNs (the
/// test key of `tests/delivery/keys`, both hosts the fake's h2c port), texts (a Twilio account,
/// sender and [`SMS_RATE_PER_SEC`]) and SMTP (plain, no TLS, no authentication).
fn other_channels(fake: &FakeFcm) -> Vec<(&'static str, String)> {
    let key = format!(
        "{}/tests/delivery/keys/apns_test_key.p8",
        env!("CARGO_MANIFEST_DIR")
    );
    [
        ("AFTERCARE_APNS_KEY_FILE", key),
        ("AFTERCARE_APNS_KEY_ID", "ABC123DEFG".into()),
        ("AFTERCARE_APNS_TEAM_ID", "DEF123GHIJ".into()),
        ("AFTERCARE_APNS_TOPIC", "com.example.aftercare".into()),
        ("AFTERCARE_APNS_BASE_URL", fake.apns_url.clone()),
        ("AFTERCARE_APNS_SANDBOX_BASE_URL", fake.apns_url.clone()),
        ("AFTERCARE_SMS_BASE_URL", fake.url.clone()),
        (
            "AFTERCARE_SMS_ACCOUNT_SID",
            "AC5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b".into(),
        ),
        (
            "AFTERCARE_SMS_AUTH_TOKEN",
            "bench-auth-token-5e1f9a7c".into(),
        ),
        ("AFTERCARE_SMS_FROM", "+15017122661".into()),
        ("AFTERCARE_SMS_RATE_PER_SEC", SMS_RATE_PER_SEC.to_string()),
        ("AFTERCARE_SMTP_HOST", "127.0.0.1".into()),
        ("AFTERCARE_SMTP_PORT", fake.smtp_port.to_string()),
        ("AFTERCARE_SMTP_TLS", "none".into()),
    ]
    .into()
}

/// Makes every patient reachable by `provider` alone: one active device (an Android FCM token;
/// an iOS APNs production token of 64 hex digits; or a Web Push subscription whose endpoint is
/// `push_url/push/<patient>` with valid RFC 8291 keys); for `sms`, email off, a Spanish mobile
/// number and a granted consent for it (`sms_consents`, the product's current wording); for
/// `email`, nothing (the fixture's patients have email on).
fn reach_by(conn: &mut DbConn, provider: Provider, push_url: &str) {
    let query = match provider {
        Provider::Fcm => "INSERT INTO devices (id, patient_id, platform, token, active, \
             created_at, updated_at) SELECT 'dev-' || user_id, user_id, 'android', \
             'token-' || user_id, true, created_at, created_at FROM patient_profiles"
            .to_owned(),
        Provider::Apns => "INSERT INTO devices (id, patient_id, platform, token, active, \
             created_at, updated_at, provider, apns_environment) SELECT 'dev-' || user_id, \
             user_id, 'ios', replace(user_id, '-', '') || replace(user_id, '-', ''), true, \
             created_at, created_at, 'apns', 'production' FROM patient_profiles"
            .to_owned(),
        Provider::WebPush => {
            let (p256dh, auth) = web_push::subscription_keys();
            format!(
                "INSERT INTO devices (id, patient_id, platform, token, active, created_at, \
                 updated_at, provider, webpush_p256dh, webpush_auth) SELECT 'dev-' || user_id, \
                 user_id, 'web', '{push_url}/push/' || user_id, true, created_at, created_at, \
                 'webpush', '{p256dh}', '{auth}' FROM patient_profiles"
            )
        }
        Provider::Sms => {
            // Numbers +34 601 000 001 onwards: Spanish mobiles, valid E.164 (libphonenumber).
            sql_query(
                "UPDATE patient_profiles SET email_enabled = false, sms_enabled = true, \
                 phone = '+3460' || (1000000 + n.rn) FROM (SELECT user_id, \
                 row_number() OVER (ORDER BY user_id) AS rn FROM patient_profiles) n \
                 WHERE n.user_id = patient_profiles.user_id",
            )
            .execute(conn)
            .unwrap();
            format!(
                "INSERT INTO sms_consents (id, clinic_id, patient_id, granted, text_version, \
                 source, method, recorded_by, phone, created_at) SELECT 'consent-' || user_id, \
                 clinic_id, user_id, true, '{}', 'clinic', 'api', NULL, phone, created_at \
                 FROM patient_profiles",
                shared::domain::CONSENT_TEXT_VERSION
            )
        }
        Provider::Email => return,
    };
    sql_query(query).execute(conn).unwrap();
}

/// Inserts `n` prompts due at `at`, spread over every patient, with set-based SQL.
fn fill(conn: &mut DbConn, clinic: &str, n: i64, at: chrono::NaiveDateTime) {
    const COLUMNS: &str = "INSERT INTO prompts (id, clinic_id, patient_id, kind, prompt_key, day, urgent, \
        idempotency_key, title, body, locale, timezone, local_date, local_time, due_at, available_at, \
        status, attempts, created_at, updated_at)";
    const PATIENTS: &str = "(SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS rn, \
        count(*) OVER () AS n FROM patient_profiles)";
    match conn {
        DbConn::Pg(pg) => {
            sql_query(format!(
                "{COLUMNS} SELECT 'b' || g, $1, p.user_id, 'aftercare', 'k', 1, false, 'b' || g, \
                 'Ice and rest', 'Redness like a mild sunburn is expected today.', 'en', \
                 'Europe/Madrid', '2026-01-01', '09:00', $2, $2, 'scheduled', 0, $2, $2 \
                 FROM generate_series(1, $3) AS g JOIN {PATIENTS} p ON p.rn = g % p.n"
            ))
            .bind::<Text, _>(clinic)
            .bind::<Timestamp, _>(at)
            .bind::<BigInt, _>(n)
            .execute(pg)
            .unwrap();
            pg.batch_execute("ANALYZE").unwrap();
        }
        DbConn::Sqlite(lite) => {
            let at = at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            sql_query(format!(
                "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?3) \
                 {COLUMNS} SELECT 'b' || x, ?1, p.user_id, 'aftercare', 'k', 1, 0, 'b' || x, \
                 'Ice and rest', 'Redness like a mild sunburn is expected today.', 'en', \
                 'Europe/Madrid', '2026-01-01', '09:00', ?2, ?2, 'scheduled', 0, ?2, ?2 \
                 FROM g JOIN {PATIENTS} p ON p.rn = x % p.n"
            ))
            .bind::<Text, _>(clinic)
            .bind::<Text, _>(at)
            .bind::<BigInt, _>(n)
            .execute(lite)
            .unwrap();
        }
    }
}

/// How many due prompts are still to be sent: `scheduled` and available within the next 12
/// hours (those waiting for a send, or deferred or retried during the drain) plus `sending`
/// (leased); the drain is done at 0. Each count reads its partial index only (`prompts_pending`,
/// `prompts_leased`, the status spelled as a literal so PostgreSQL can match them), never the
/// future rows, which start a day ahead: counting `prompts WHERE status = 'sent'` is a
/// sequential scan of the whole table, which with 20 million future rows kept one core busy
/// scanning 4.6 GB every poll, under the drain. Attempt rows are no count either: a prompt
/// delivered by a dispatch of one accepted attempt has none (`deliveries::inline`), and [`raw_limit`]'s
/// `resolve_group` with one sent attempt each measures that write set too.
fn remaining(conn: &mut DbConn) -> i64 {
    use shared::db::schema::prompts as t;
    use shared::domain::PromptStatus;
    let waiting: i64 = t::table
        .filter(prompts::status_is(PromptStatus::Scheduled))
        .filter(t::available_at.lt(now() + Span::hours(12)))
        .count()
        .get_result(conn)
        .unwrap();
    let leased: i64 = t::table
        .filter(prompts::status_is(PromptStatus::Sending))
        .count()
        .get_result(conn)
        .unwrap();
    waiting + leased
}

fn span(conn: &mut DbConn) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    #[derive(QueryableByName)]
    struct Span {
        #[diesel(sql_type = Timestamp)]
        first: chrono::NaiveDateTime,
        #[diesel(sql_type = Timestamp)]
        last: chrono::NaiveDateTime,
    }
    let s: Span = sql_query("SELECT min(sent_at) AS first, max(sent_at) AS last FROM prompts")
        .get_result(conn)
        .unwrap();
    (s.first, s.last)
}

/// p50 and p99 of sent − due, in seconds.
fn lateness(conn: &mut DbConn) -> (f64, f64) {
    let rows: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)> = {
        use shared::db::schema::prompts::dsl as p;
        p::prompts
            .filter(p::sent_at.is_not_null())
            .select((p::due_at, p::sent_at.assume_not_null()))
            .load(conn)
            .unwrap()
    };
    let mut late: Vec<f64> = rows
        .iter()
        .map(|(due, sent)| (*sent - *due).num_milliseconds() as f64 / 1e3)
        .collect();
    late.sort_by(f64::total_cmp);
    let pct = |q: f64| late[((late.len() - 1) as f64 * q) as usize];
    (pct(0.5), pct(0.99))
}

/// Adds `n` prompts planned over the coming year (the outbox of a large fleet: every patient's
/// plan written ahead), in chunks of a million with set-based SQL, then `VACUUM ANALYZE`s so
/// the drain meets a settled table. PostgreSQL only: on SQLite it says so and adds nothing.
fn fill_future(conn: &mut DbConn, clinic: &str, n: i64) {
    let DbConn::Pg(pg) = conn else {
        println!("DRAIN_FUTURE_ROWS is measured on PostgreSQL only; none added");
        return;
    };
    let patient: String = {
        use shared::db::schema::patient_profiles::dsl as p;
        p::patient_profiles
            .select(p::user_id)
            .first::<shared::domain::PatientId>(pg)
            .unwrap()
            .to_string()
    };
    let started = Instant::now();
    let tomorrow = now() + Span::days(1);
    const CHUNK: i64 = 1_000_000;
    for from in (0..n).step_by(CHUNK as usize) {
        let to = (from + CHUNK).min(n);
        sql_query(
            "INSERT INTO prompts (id, clinic_id, patient_id, kind, prompt_key, day, urgent, \
             idempotency_key, title, body, locale, timezone, local_date, local_time, due_at, \
             available_at, status, attempts, created_at, updated_at) \
             SELECT 'f' || g, $1, $2, 'aftercare', 'k', 1, false, 'f' || g, 't', 'b', 'en', \
             'Europe/Madrid', '2026-01-01', '09:00', $3 + (g % 31536000) * interval '1 second', \
             $3 + (g % 31536000) * interval '1 second', 'scheduled', 0, $3, $3 \
             FROM generate_series($4 + 1, $5) AS g",
        )
        .bind::<Text, _>(clinic)
        .bind::<Text, _>(&patient)
        .bind::<Timestamp, _>(tomorrow)
        .bind::<BigInt, _>(from)
        .bind::<BigInt, _>(to)
        .execute(pg)
        .unwrap();
        eprintln!("  {to} future prompts after {:.0?}", started.elapsed());
    }
    pg.batch_execute("VACUUM ANALYZE prompts").unwrap();
    println!(
        "{n} future prompts (due over the next year) beside the due ones, filled in {:.1?}",
        started.elapsed()
    );
    // The fill writes gigabytes of WAL; without a checkpoint here the drain would run during the
    // one it triggers, paying full-page images for every page it touches first. The pause lets
    // the checkpoint's writes settle (not counted in the fill time above).
    pg.batch_execute("CHECKPOINT").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(10));
}

/// PostgreSQL's counters for this database (commits) and the cluster (WAL); `None` on SQLite.
struct Counters {
    commits: i64,
    wal_syncs: i64,
    wal_bytes: i64,
}

impl Counters {
    fn read(conn: &mut DbConn) -> Option<Self> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            commits: i64,
            #[diesel(sql_type = BigInt)]
            wal_syncs: i64,
            #[diesel(sql_type = Double)]
            wal_bytes: f64,
        }
        let DbConn::Pg(pg) = conn else {
            return None;
        };
        // Statistics are flushed lazily; make this backend's own visible first.
        let r: Row = sql_query(
            "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) \
             AS commits, wal_sync AS wal_syncs, wal_bytes::float8 AS wal_bytes FROM pg_stat_wal",
        )
        .get_result(pg)
        .unwrap();
        Some(Self {
            commits: r.commits,
            wal_syncs: r.wal_syncs,
            wal_bytes: r.wal_bytes as i64,
        })
    }
}

/// Peak resident set of a process (`VmHWM`), in KiB.
fn vm_hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
