//! Console render benchmark: server-side time to build the roster page, a patient's record
//! (queries, audit writes, chart and template) with 1,000 patients in the clinic, and the
//! escalation queue with 500 open escalations. Run with
//!
//! ```sh
//! cargo bench -p api --bench console_render -- [patients] [sqlite|postgres] [open escalations]
//! ```
//!
//! (defaults: 1,000 patients, sqlite, 500 open escalations). Target: p99 ≤ 50 ms. Figures are
//! in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/clinic.rs"]
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use shared::care::check_ins::{BoardTab, CheckInForm};
use shared::config::Config;
use shared::db::roster::{RosterQuery, RosterSort};
use shared::db::{Backend, Db, migrate};
use shared::domain::{PatientId, Role, Symptom, TimeZone};
use shared::testing::TestDatabase;
use shared::time::now;

use api::console::escalations;
use api::console::patient;
use api::console::roster::{self, PAGE_SIZE};
use api::console::session::ConsoleUser;
use api::state::AppState;

const RUNS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let patients: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let backend = match args.get(1).map(String::as_str) {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let open: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(patients, backend, open));
}

async fn run(patients: usize, backend: Backend, open: usize) {
    let Some(t) = TestDatabase::new(backend) else {
        eprintln!("PostgreSQL unreachable; nothing measured");
        return;
    };
    let vars: HashMap<String, String> = [
        ("DATABASE_URL", t.url_string()),
        (
            "AFTERCARE_JWT_SECRET",
            "bench-secret-0123456789abcdef0123456789abcdef".into(),
        ),
        ("AFTERCARE_DB_POOL_SIZE", "4".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Arc::new(Config::from_vars(&vars).unwrap());
    let db = Db::connect(&config.database_url, 4).unwrap();
    migrate::run_pending(&mut db.get().unwrap()).unwrap();
    let state = AppState::new(
        db.clone(),
        config.clone(),
        shared::metrics::Metrics::new(),
        shared::mail::Mailer::from_config(&config.mail).unwrap(),
        Arc::new(shared::protocol::Protocol::builtin().unwrap()),
    );
    let started = Instant::now();
    let seeded = common::clinic(&db, &state.protocols, patients).await;
    let (clinic, staff) = (seeded.clinic, seeded.staff);
    let ids: Vec<PatientId> = seeded.patients.into_iter().map(|(id, _)| id).collect();
    println!(
        "{backend}: {patients} patients (treatments, plans, check-ins, bookings) in {:.1?}",
        started.elapsed()
    );

    let started = Instant::now();
    let opened = open_escalations(&state, &ids, open).await;
    println!(
        "{backend}: {opened} open escalations (urgent, some patients with a routine one the same day) in {:.1?}",
        started.elapsed()
    );

    let user = ConsoleUser {
        user_id: staff.id.clone(),
        clinic_id: clinic.id.clone(),
        role: Role::Clinician,
        name: staff.name.clone(),
        clinic_name: clinic.name.clone(),
        clinic_tz: TimeZone::parse("Europe/Madrid").unwrap(),
        csrf: "bench".into(),
        open_escalations: 0,
    };
    let newest = RosterQuery {
        limit: PAGE_SIZE,
        ..Default::default()
    };
    let sorted = RosterQuery {
        sort: RosterSort::NextSession,
        low_adherence: false,
        limit: PAGE_SIZE,
        ..Default::default()
    };
    let search = RosterQuery {
        q: Some("ana".into()),
        sort: RosterSort::LastTreatment,
        limit: PAGE_SIZE,
        ..Default::default()
    };

    // Two words in the other order, each matching every patient: the search key's worst case.
    let words = RosterQuery {
        q: Some("test ana".into()),
        sort: RosterSort::LastTreatment,
        limit: PAGE_SIZE,
        ..Default::default()
    };

    let mut report = Vec::new();
    for (label, query) in [
        ("roster, newest", newest),
        ("roster, by next session", sorted),
        ("roster, search + by last treatment", search),
        ("roster, two-word search + by last treatment", words),
    ] {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t0 = Instant::now();
            let html = roster::render(&state, &user, query.clone()).await.unwrap();
            times.push(t0.elapsed());
            assert!(html.contains("<table"));
        }
        report.push((label, times));
    }
    let mut times = Vec::new();
    for i in 0..RUNS {
        let id = &ids[(i * 10) % ids.len()];
        let t0 = Instant::now();
        let page = patient::render(&state, &user, id).await.unwrap();
        let html = page.render().unwrap();
        times.push(t0.elapsed());
        assert!(html.contains("<svg"));
    }
    report.push(("patient record (with chart)", times));
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let page = escalations::render(&state, &user, BoardTab::Open, None)
            .await
            .unwrap();
        let html = page.render().unwrap();
        times.push(t0.elapsed());
        assert!(html.contains("id=\"queue\""));
    }
    report.push(("escalation queue (open)", times));
    println!("| page | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    for (label, mut times) in report {
        times.sort();
        let pick = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "| {label} | {} | {} | {} |",
            ms(pick(0.5)),
            ms(pick(0.99)),
            ms(*times.last().unwrap())
        );
    }
}

/// Opens `n` escalations through the check-in use case: an urgent warning sign for each
/// patient in turn, and for every fifth patient treated at least six days ago a routine
/// redness-not-fading one first (the same day: one group of two on the page).
async fn open_escalations(state: &AppState, ids: &[PatientId], n: usize) -> usize {
    let mut opened = 0;
    for (i, id) in ids.iter().enumerate() {
        if opened >= n {
            break;
        }
        let at = now() - chrono::Duration::minutes((n - opened) as i64);
        let routine = i % 5 == 0 && i % 30 >= 6 && opened + 2 <= n;
        let mut forms = Vec::new();
        if routine {
            forms.push(CheckInForm {
                redness: 8,
                swelling: 3,
                pain: 2,
                peeling: false,
                symptoms: vec![],
            });
        }
        forms.push(CheckInForm {
            redness: 5,
            swelling: 3,
            pain: 4,
            peeling: false,
            symptoms: vec![Symptom::ALL[i % Symptom::ALL.len()]],
        });
        for form in forms {
            let r = shared::care::check_ins::record(&state.db, &state.protocols, id, form, at)
                .await
                .unwrap();
            if r.escalation.is_some_and(|e| e.created_at == at) {
                opened += 1;
            }
        }
    }
    opened
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
