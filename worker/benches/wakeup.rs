//! Wake-up benchmark: how long a prompt waits between being written and reaching FCM, with the
//! release `worker` binary on its default 15 s tick and a loopback fake of FCM that notes when
//! each prompt arrives. Run with
//!
//! ```sh
//! cargo bench -p worker --bench wakeup -- [prompts] [sqlite|postgres]
//! ```
//!
//! (defaults: 20 prompts, postgres). Two cases, each in two modes: LISTEN on (the default) and
//! off (the tick alone, as before notifications):
//! - **written due**: prompts inserted one at a time, due at once, at random moments of the
//!   tick (0–1.5 s apart); figure: arrival − commit of the insert;
//! - **planned ahead**: prompts inserted together, due at random times 20–35 s later; figure:
//!   arrival − due time.
//!
//! `WAKEUP_BENCH_WORKER=/path/to/worker` runs another build of the worker (an older one, for a
//! before/after); `AFTERCARE_WORKER_LISTEN` is then set only in the LISTEN-on mode. Figures are
//! in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fake_fcm.rs"]
mod fake_fcm;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Span, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::BigInt;
use rand::Rng;
use shared::db::devices::{self, DeviceForm};
use shared::db::prompts::{self, Prompt};
use shared::db::{Backend, Db, migrate, notify};
use shared::domain::{Locale, PatientId, Platform, PromptId, PromptKind, PromptStatus, TimeZone};
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;

use fake_fcm::FakeFcm;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(20);
    let backend = match args.get(1).map(String::as_str) {
        Some("sqlite") => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    let binary = std::env::var("WAKEUP_BENCH_WORKER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_worker").to_owned());
    println!("{backend}, worker {binary}, {n} prompts per case, default tick (*/15 s)");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = rt.block_on(FakeFcm::start("wakeup-bench", true));
    for listen in [true, false] {
        if listen && backend == Backend::Sqlite {
            continue;
        }
        let mode = if listen { "LISTEN on " } else { "LISTEN off" };
        let Some(mut run) = Run::start(backend, &binary, &fake, listen) else {
            eprintln!("PostgreSQL unreachable; nothing measured");
            return;
        };
        let due = run.written_due(&fake, n);
        println!("{mode}  written due:   {}", summary(due));
        let planned = run.planned_ahead(&fake, n);
        println!("{mode}  planned ahead: {}", summary(planned));
        run.stop();
    }
}

/// A fresh database with one patient and their Android device, and a worker process on it.
struct Run {
    conn: diesel::r2d2::PooledConnection<shared::db::DbManager>,
    patient: (String, String),
    worker: Child,
    /// Makes this run's idempotency keys its own (the fake outlives runs).
    tag: String,
    _db: TestDatabase,
}

impl Run {
    fn start(backend: Backend, binary: &str, fake: &FakeFcm, listen: bool) -> Option<Self> {
        let t = TestDatabase::new(backend)?;
        let db = Db::connect(&t.url, 1).unwrap();
        let mut conn = db.get().unwrap();
        migrate::run_pending(&mut conn).unwrap();
        let clinic = fixtures::clinic(&mut conn, "Bench");
        let (patient, _) = fixtures::patient(&mut conn, &clinic.id, "Europe/Madrid");
        let device = DeviceForm::of_platform(Platform::Android, "bench-token", Some("1.0.0"));
        let patient_id = PatientId::from(patient.id.as_str());
        devices::register(&mut conn, &patient_id, &device, now()).unwrap();

        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", t.url_string())
            .env("RUST_LOG", "warn")
            .env("AFTERCARE_DB_POOL_SIZE", "4")
            .env("AFTERCARE_FCM_PROJECT_ID", "bench-project")
            .env("AFTERCARE_FCM_SERVICE_ACCOUNT_FILE", &fake.service_account)
            .env("AFTERCARE_FCM_BASE_URL", &fake.url)
            .env("AFTERCARE_FCM_TOKEN_URL", format!("{}/token", fake.url))
            .stdout(Stdio::null());
        if !listen {
            cmd.env("AFTERCARE_WORKER_LISTEN", "off");
        }
        let worker = cmd.spawn().unwrap();
        let mut run = Self {
            conn,
            patient: (clinic.id.into_string(), patient.id.into_string()),
            worker,
            tag: format!(
                "{}-{}",
                std::process::id(),
                if listen { "on" } else { "off" }
            ),
            _db: t,
        };
        run.settle(listen && backend == Backend::Postgres);
        Some(run)
    }

    /// Waits until the worker listens (or, without a listener, has had time to start).
    fn settle(&mut self, listen: bool) {
        if !listen {
            std::thread::sleep(Duration::from_secs(2));
            return;
        }
        let query = format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = '{}'",
            notify::APPLICATION_NAME
        );
        let started = Instant::now();
        while sql_query(&query)
            .get_result::<Count>(&mut self.conn)
            .unwrap()
            .n
            == 0
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the worker never listened (an older build without the listener?)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Its catch-up drain.
        std::thread::sleep(Duration::from_millis(500));
    }

    fn prompt(&self, key: &str, due: NaiveDateTime) -> Prompt {
        let t = now();
        Prompt {
            id: PromptId::new(),
            clinic_id: self.patient.0.as_str().into(),
            patient_id: self.patient.1.as_str().into(),
            treatment_id: None,
            booking_id: None,
            kind: PromptKind::Aftercare,
            prompt_key: "day1_ice".into(),
            day: 1,
            urgent: false,
            idempotency_key: key.to_owned(),
            title: "Ice and rest".into(),
            body: "Redness like a mild sunburn is expected today.".into(),
            locale: Locale::En,
            timezone: TimeZone::parse("Europe/Madrid").unwrap(),
            local_date: due.date().to_string(),
            local_time: "09:00".into(),
            due_at: due,
            available_at: due,
            status: PromptStatus::Scheduled,
            attempts: 0,
            lease_owner: None,
            lease_expires_at: None,
            channel: None,
            last_error: None,
            sent_at: None,
            acknowledged_at: None,
            cancelled_at: None,
            created_at: t,
            updated_at: t,
            important: false,
            ack_window_secs: None,
        }
    }

    /// Seconds from each insert's commit to its arrival at the fake.
    fn written_due(&mut self, fake: &FakeFcm, n: usize) -> Vec<f64> {
        let mut rng = rand::thread_rng();
        let mut waits = Vec::new();
        for i in 0..n {
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..1500)));
            let key = format!("due-{}-{i}", self.tag);
            let row = self.prompt(&key, now());
            prompts::insert(&mut self.conn, &[row]).unwrap();
            let committed = Utc::now();
            let arrived = fake.wait_for(&key, Duration::from_secs(60));
            waits.push((arrived - committed).num_microseconds().unwrap_or(0) as f64 / 1e6);
        }
        waits
    }

    /// Seconds from each prompt's due time to its arrival, for prompts planned 20–35 s ahead.
    fn planned_ahead(&mut self, fake: &FakeFcm, n: usize) -> Vec<f64> {
        let mut rng = rand::thread_rng();
        let base = now();
        let rows: Vec<Prompt> = (0..n)
            .map(|i| {
                let due = base + Span::milliseconds(rng.gen_range(20_000..35_000));
                self.prompt(&format!("ahead-{}-{i}", self.tag), due)
            })
            .collect();
        prompts::insert(&mut self.conn, &rows).unwrap();
        rows.iter()
            .map(|p| {
                let arrived = fake.wait_for(&p.idempotency_key, Duration::from_secs(90));
                (arrived - p.due_at.and_utc())
                    .num_microseconds()
                    .unwrap_or(0) as f64
                    / 1e6
            })
            .collect()
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.worker.id().to_string()])
            .status();
        let _ = self.worker.wait();
    }
}

fn summary(mut s: Vec<f64>) -> String {
    s.sort_by(f64::total_cmp);
    let pct = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    format!(
        "min {:.3} s, p50 {:.3} s, mean {:.3} s, p90 {:.3} s, max {:.3} s",
        s[0],
        pct(0.5),
        mean,
        pct(0.9),
        s[s.len() - 1]
    )
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
