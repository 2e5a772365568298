//! The API under load from a separate process, against PostgreSQL running the same SQL.
//!
//! ```sh
//! cargo bench -p api --bench load -- [patients] [seconds] [connections]
//! ```
//!
//! (defaults: 1,000 patients, 30 s, 64 connections; PostgreSQL only). The bench seeds a
//! throwaway database through the use cases (one clinic; each patient with a treatment and its
//! planned prompts, every tenth with three check-ins, every seventh with a booked session),
//! starts the release `api` binary, signs every patient in over HTTP, then:
//!
//! 1. captures the SQL the API issues for one timeline read and one check-in (a second `api`
//!    process whose connections run with `log_statement = all`, read back from the server log);
//! 2. runs `wrk` (Lua script rotating over every patient's access token) for `GET /healthz`
//!    (no database: what wrk and actix alone cost), `GET /v1/me/timeline`, the web app's
//!    timeline page `GET /app/timeline` (a session cookie per patient instead of a token,
//!    opened with `shared::care::auth::app::open`; target p99 ≤ 20 ms at 64 connections) and
//!    `POST /v1/me/check-ins`: req/s, p50/p99/p99.9, non-2xx and socket errors, the API's
//!    peak RSS (`VmHWM`, reset before each run) and CPU;
//! 3. runs `pgbench -M prepared` with the captured statements, the patient's values as
//!    variables (a random patient every 16 transactions, looked up by primary key) and fresh
//!    ids where the API generated them: TPS and latency percentiles from its transaction log.
//!
//! Settings for the API process (`AFTERCARE_DB_POOL_SIZE`, `RUST_LOG`, …) are passed through
//! from the bench's environment. The server log path is found with `pg_current_logfile()` or
//! defaults to Debian's `/var/log/postgresql/postgresql-15-main.log`; `BENCH_PG_LOG` overrides
//! it (read with `pg_read_file`, so the connecting role must be a superuser, as for tests).
//! Targets and figures are in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod capture;
#[path = "../common/clinic.rs"]
mod common;
mod procs;
mod seed;

use std::time::Instant;

use shared::db::{Backend, Db, migrate};
use shared::testing::TestDatabase;

use crate::procs::{Api, Load, Tool};

const CHECK_IN_BODY: &str = r#"{"redness":2,"swelling":1,"pain":1,"peeling":false,"symptoms":[]}"#;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let (patients, secs, connections) = (arg(0, 1_000), arg(1, 30), arg(2, 64));
    for (tool, install) in [
        ("wrk", "apt-get install wrk"),
        (
            "pgbench",
            "apt-get install postgresql-contrib (or postgresql-15)",
        ),
    ] {
        if !procs::on_path(tool) {
            eprintln!("`{tool}` is not on PATH; install it first: {install}");
            std::process::exit(1);
        }
    }
    let Some(t) = TestDatabase::new(Backend::Postgres) else {
        eprintln!("PostgreSQL unreachable; nothing measured");
        return;
    };
    let url = t.url_string();
    let db = Db::connect(&t.url, 2).unwrap();
    migrate::run_pending(&mut db.get().unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let started = Instant::now();
    let clinic = rt.block_on(seed::clinic(&db, patients));
    println!(
        "seeded {patients} patients (treatments, plans, check-ins, bookings) in {:.1?}",
        started.elapsed()
    );
    let dir = std::env::temp_dir().join(format!("load-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let api = Api::start(&url, &dir.join("api.log"));
    let started = Instant::now();
    let tokens = rt.block_on(seed::sign_in(&api.base, &clinic.emails));
    println!(
        "signed {} patients in over HTTP in {:.1?}",
        tokens.len(),
        started.elapsed()
    );
    let tokens_file = dir.join("tokens.txt");
    std::fs::write(&tokens_file, tokens.join("\n") + "\n").unwrap();
    let keys = seed::bench_keys(&db);

    // The SQL of one request of each kind, as the server received it.
    let key = seed::subject(&tokens[0]);
    let key = keys.iter().find(|k| k.uid == key).unwrap();
    let captured = capture::Captured::run(&rt, &db, &url, &dir, &tokens[0], CHECK_IN_BODY);
    for (label, statements) in [
        ("timeline read", &captured.timeline),
        ("check-in write", &captured.check_in),
    ] {
        println!("\nSQL of one {label} ({} statements):", statements.len());
        for s in statements {
            println!("  {}", s.sql);
        }
    }
    let n = keys.len();
    let timeline_script =
        capture::pgbench_script(&captured.timeline, key, n, None, &dir, "timeline");
    let fresh = Some(captured.check_in_started_ms);
    let check_in_script =
        capture::pgbench_script(&captured.check_in, key, n, fresh, &dir, "check_in");

    let load = Load {
        secs,
        connections,
        tokens: tokens_file,
        dir: dir.clone(),
    };
    let static_route = load.wrk(&api, "GET", "/healthz", None, false);
    let timeline = load.wrk(&api, "GET", "/v1/me/timeline", None, true);
    // The web app's timeline page: the same read rendered as HTML, signed in by cookie.
    let cookies_file = dir.join("cookies.txt");
    let cookies = rt.block_on(seed::app_sessions(&db, &clinic.ids));
    std::fs::write(&cookies_file, cookies.join("\n") + "\n").unwrap();
    let app_timeline = load.wrk_with(
        &api,
        "GET",
        "/app/timeline",
        None,
        &cookies_file,
        "Cookie",
        "",
    );
    let check_in = load.wrk(&api, "POST", "/v1/me/check-ins", Some(CHECK_IN_BODY), true);
    // pgbench's connections and the API's pool would not fit together under a default
    // `max_connections` of 100.
    api.stop();
    let pg_timeline = load.pgbench(&url, &timeline_script);
    let pg_check_in = load.pgbench(&url, &check_in_script);
    let rows: Vec<(&str, Tool)> = vec![
        ("API GET /healthz (no database)", static_route),
        ("API GET /v1/me/timeline", timeline),
        ("web app GET /app/timeline (cookie)", app_timeline),
        ("pgbench, the timeline's SQL", pg_timeline),
        ("API POST /v1/me/check-ins", check_in),
        ("pgbench, the check-in's SQL", pg_check_in),
    ];
    println!(
        "\n{patients} patients, {connections} connections, {secs} s each; {}",
        procs::machine()
    );
    println!(
        "| run | req/s | p50 | p99 | p99.9 | non-2xx / failed | socket errors | API peak RSS | API CPU | box CPU busy |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (label, r) in &rows {
        println!("| {label} | {} |", r.cells());
    }
    let ratio = |api: &Tool, pg: &Tool| api.rate / pg.rate * 100.0;
    println!(
        "\ntimeline: API at {:.0}% of pgbench's rate (target ≥ 50%, p99 ≤ 20 ms); \
         check-in: API at {:.0}% of pgbench's rate",
        ratio(&rows[1].1, &rows[3].1),
        ratio(&rows[4].1, &rows[5].1)
    );
    let page = &rows[2].1;
    println!(
        "web app timeline page: p99 {:.2} ms at {connections} connections (target ≤ 20 ms), \
         non-2xx {}",
        page.p99_us / 1000.0,
        page.failed
    );
    let _ = std::fs::remove_dir_all(&dir);
}
