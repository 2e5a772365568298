//! Due-scan benchmark: how long claiming a batch of due prompts takes when the outbox also holds
//! millions of future prompts. Run with
//!
//! ```sh
//! cargo bench -p worker --bench due_scan -- [future_rows] [due_rows] [sqlite|postgres]
//! ```
//!
//! (defaults: 1,000,000 future rows, 5,000 due rows, postgres). Figures are in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Duration as Span;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Text, Timestamp};
use shared::db::{Backend, Db, DbConn, migrate, prompts};
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let future: i64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let due: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let backend = match args.get(2).map(String::as_str) {
        Some("sqlite") => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    let Some(t) = TestDatabase::new(backend) else {
        eprintln!("PostgreSQL unreachable; nothing measured");
        return;
    };
    let db = Db::connect(&t.url, 2).unwrap();
    let mut conn = db.get().unwrap();
    migrate::run_pending(&mut conn).unwrap();
    let clinic = fixtures::clinic(&mut conn, "Bench");
    let (patient, _) = fixtures::patient(&mut conn, &clinic.id, "Europe/Madrid");

    let started = Instant::now();
    let t0 = now();
    fill(
        &mut conn,
        clinic.id.as_str(),
        patient.id.as_str(),
        future,
        t0 + Span::days(1),
        "f",
    );
    // Spread over a day like the future rows, and all of it already due.
    fill(
        &mut conn,
        clinic.id.as_str(),
        patient.id.as_str(),
        due,
        t0 - Span::days(2),
        "d",
    );
    if let DbConn::Pg(pg) = &mut *conn {
        pg.batch_execute("ANALYZE prompts").unwrap();
    }
    println!(
        "{backend}: inserted {future} future + {due} due prompts in {:.1?}",
        started.elapsed()
    );

    let mut timings: Vec<Duration> = Vec::new();
    let mut claimed = 0;
    loop {
        let t = Instant::now();
        let batch =
            prompts::lease_due(&mut conn, "bench", now(), now() + Span::minutes(2), 100).unwrap();
        timings.push(t.elapsed());
        if batch.is_empty() {
            break;
        }
        claimed += batch.len();
    }
    assert_eq!(
        claimed as i64, due,
        "every due prompt is claimed exactly once"
    );
    timings.sort();
    let pct = |p: f64| timings[((timings.len() - 1) as f64 * p) as usize];
    println!(
        "lease_due(batch=100): {} calls, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        timings.len(),
        pct(0.5),
        pct(0.99),
        timings[timings.len() - 1]
    );
    if let DbConn::Pg(pg) = &mut *conn {
        #[derive(QueryableByName)]
        struct Plan {
            #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
            line: String,
        }
        let plan: Vec<Plan> = sql_query(
            "EXPLAIN SELECT id FROM prompts WHERE status = 'scheduled' AND available_at <= now() \
             ORDER BY available_at LIMIT 100",
        )
        .load(pg)
        .unwrap();
        println!("plan of the due scan:");
        for p in plan {
            println!("  {}", p.line);
        }
    }
}

/// Inserts `n` scheduled prompts due at `at` with set-based SQL (fast enough for tens of millions).
fn fill(
    conn: &mut DbConn,
    clinic: &str,
    patient: &str,
    n: i64,
    at: chrono::NaiveDateTime,
    tag: &str,
) {
    const COLUMNS: &str = "INSERT INTO prompts (id, clinic_id, patient_id, kind, prompt_key, day, urgent, \
        idempotency_key, title, body, locale, timezone, local_date, local_time, due_at, available_at, \
        status, attempts, created_at, updated_at)";
    match conn {
        DbConn::Pg(pg) => {
            sql_query(format!(
                "{COLUMNS} SELECT $4 || g, $1, $2, 'aftercare', 'k', 1, false, $4 || g, 't', 'b', 'en', \
                 'Europe/Madrid', '2026-01-01', '09:00', $3 + (g % 86400) * interval '1 second', \
                 $3 + (g % 86400) * interval '1 second', 'scheduled', 0, $3, $3 \
                 FROM generate_series(1, $5) AS g"
            ))
            .bind::<Text, _>(clinic)
            .bind::<Text, _>(patient)
            .bind::<Timestamp, _>(at)
            .bind::<Text, _>(tag)
            .bind::<BigInt, _>(n)
            .execute(pg)
            .unwrap();
        }
        DbConn::Sqlite(lite) => {
            let at = at.format("%Y-%m-%d %H:%M:%S").to_string();
            sql_query(format!(
                "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?5) \
                 {COLUMNS} SELECT ?4 || x, ?1, ?2, 'aftercare', 'k', 1, 0, ?4 || x, 't', 'b', 'en', \
                 'Europe/Madrid', '2026-01-01', '09:00', ?3, ?3, 'scheduled', 0, ?3, ?3 FROM g"
            ))
            .bind::<Text, _>(clinic)
            .bind::<Text, _>(patient)
            .bind::<Text, _>(at)
            .bind::<Text, _>(tag)
            .bind::<BigInt, _>(n)
            .execute(lite)
            .unwrap();
        }
    }
}
