//! Re-planning one patient with a clinic's 200-prompt protocol against the product's default,
//! in the same run, on SQLite and PostgreSQL. Run with
//!
//! ```sh
//! cargo bench -p shared --bench replan -- [patients] [iterations] [sqlite|postgres|both]
//! ```
//!
//! (defaults: 20 patients per protocol, 1,000 re-plans per protocol, both backends; PostgreSQL
//! is skipped when unreachable unless `TEST_REQUIRE_POSTGRES=1`).
//!
//! Three clinics: one on the default protocol; one that published a 200-prompt version whose
//! added prompts test the conditions a clinic would (areas, devices, PRP, depth, course stage),
//! so a patient gets the ones that fit them; and one whose 200 prompts all apply to every
//! patient (the worst case). Each clinic's patients have a treatment recorded an hour ago (face,
//! pen, 1.0 mm, session 1 of 3), planned with the clinic's version. A re-plan is what every
//! change to a patient ends with: one transaction taking the patient's lock and running
//! `care::plan::replan` (read the inputs, plan, reconcile the stored prompts). The three
//! protocols take turns, one re-plan each, so drift of the machine touches all alike.
//!
//! Printed per backend: p50, p99 and max of each protocol, the prompts each plans per patient,
//! `replan p99: default N µs, 200-prompt M µs, ratio R (target ≤ 2.00)`, the same for the
//! all-applying protocol, and the ratios of the medians. Figures are in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use shared::care::plan;
use shared::care::protocols::{self, BasedOn, Protocols};
use shared::care::{StaffActor, treatments};
use shared::db::{Backend, Db, migrate, patients};
use shared::domain::{Area, Device, NeedleDepth, PatientId};
use shared::protocol::document::{
    ClinicInstruction, ConditionsDocument, PromptDocument, TextDocument, TextsDocument,
};
use shared::protocol::{Protocol, ProtocolDocument};
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;

const PROMPTS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let patients: usize = args.first().map_or(20, |a| a.parse().unwrap());
    let iterations: usize = args.get(1).map_or(1_000, |a| a.parse().unwrap());
    let backends = match args.get(2).map(String::as_str) {
        None | Some("both") => vec![Backend::Sqlite, Backend::Postgres],
        Some("sqlite") => vec![Backend::Sqlite],
        Some("postgres") => vec![Backend::Postgres],
        Some(other) => panic!("unknown backend {other}"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in backends {
        let Some(t) = TestDatabase::new(backend) else {
            println!("{backend:?}: unreachable, skipped");
            continue;
        };
        rt.block_on(run(backend, &t.url, patients, iterations));
    }
}

/// One protocol under test: its clinic's patients and the re-plan timings.
struct Variant {
    name: &'static str,
    patients: Vec<PatientId>,
    planned: usize,
    took: Vec<Duration>,
}

async fn run(backend: Backend, url: &shared::db::DatabaseUrl, patients: usize, iterations: usize) {
    let db = Db::connect(url, 4).unwrap();
    migrate::run_pending(&mut db.get().unwrap()).unwrap();
    let registry = Protocols::new(Arc::new(Protocol::builtin().unwrap()));
    let default_doc = registry.default_protocol().document();

    let mut variants = Vec::new();
    for (name, doc) in [
        ("default", None),
        ("200-prompt", Some(clinic_document(&default_doc, false))),
        (
            "200-prompt, all apply",
            Some(clinic_document(&default_doc, true)),
        ),
    ] {
        let staff = clinic(&db, name).await;
        if let Some(doc) = doc {
            assert_eq!(doc.prompts.len(), PROMPTS);
            let t = now();
            let draft = protocols::create(&db, &registry, &staff, BasedOn::Default, t)
                .await
                .unwrap();
            let id = draft.summary.id;
            protocols::update(&db, &registry, &staff, &id, doc, None, t)
                .await
                .unwrap();
            protocols::publish(&db, &registry, &staff, &id, false, t)
                .await
                .unwrap();
        }
        let mut ids = Vec::new();
        let mut planned = 0;
        for _ in 0..patients {
            let (id, n) = treated(&db, &registry, &staff).await;
            ids.push(id);
            planned = n;
        }
        variants.push(Variant {
            name,
            patients: ids,
            planned,
            took: Vec::with_capacity(iterations),
        });
    }

    // Warm-up: connections open, every version loaded into the registry.
    for i in 0..50 {
        for v in &variants {
            replan(&db, &registry, &v.patients[i % patients]).await;
        }
    }
    for i in 0..iterations {
        for v in &mut variants {
            let patient = &v.patients[i % patients];
            let started = Instant::now();
            replan(&db, &registry, patient).await;
            v.took.push(started.elapsed());
        }
    }

    println!("{backend:?}: {patients} patients per protocol, {iterations} re-plans each");
    for v in &mut variants {
        v.took.sort();
        println!(
            "  {:<22} {:>4} prompts planned per patient: p50 {:>6} µs, p99 {:>6} µs, max {:>6} µs",
            v.name,
            v.planned,
            pct(&v.took, 50.0).as_micros(),
            pct(&v.took, 99.0).as_micros(),
            v.took.last().unwrap().as_micros(),
        );
    }
    let at = |v: &Variant, p: f64| pct(&v.took, p).as_secs_f64() * 1e6;
    let (base, custom, all) = (
        at(&variants[0], 99.0),
        at(&variants[1], 99.0),
        at(&variants[2], 99.0),
    );
    println!(
        "replan p99: default {base:.0} µs, 200-prompt {custom:.0} µs, ratio {:.2} (target ≤ 2.00)",
        custom / base
    );
    println!(
        "replan p99: default {base:.0} µs, 200-prompt all applying {all:.0} µs, ratio {:.2}",
        all / base
    );
    // The median is the steadier figure on a shared machine, where p99 follows its stalls.
    let base50 = at(&variants[0], 50.0);
    println!(
        "replan p50 ratios: 200-prompt {:.2}, 200-prompt all applying {:.2}",
        at(&variants[1], 50.0) / base50,
        at(&variants[2], 50.0) / base50
    );
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len());
    sorted[i - 1]
}

/// One re-plan of the patient as a use case runs it: its own transaction, the patient's lock.
async fn replan(db: &Db, registry: &Protocols, patient: &PatientId) {
    let (registry, patient) = (registry.clone(), patient.clone());
    db.transaction(move |c| {
        patients::lock_patient(c, &patient, None)?;
        plan::replan(c, &registry, &patient, now())
    })
    .await
    .unwrap();
}

async fn clinic(db: &Db, name: &str) -> StaffActor {
    let c = &mut db.get().unwrap();
    let clinic = fixtures::clinic(c, name);
    StaffActor {
        user_id: fixtures::user(c, &clinic.id, "clinic_admin").id,
        clinic_id: clinic.id,
    }
}

/// A patient with a treatment recorded an hour ago, and how many prompts it planned.
async fn treated(db: &Db, registry: &Protocols, staff: &StaffActor) -> (PatientId, usize) {
    let id = {
        let c = &mut db.get().unwrap();
        fixtures::patient(c, &staff.clinic_id, "Europe/Madrid")
            .0
            .id
            .as_patient()
    };
    let t = now();
    let form = treatments::TreatmentForm {
        performed_at: t - Days::hours(1),
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
        contraindications: vec![],
        override_reason: None,
        notes: None,
    };
    let recorded = treatments::record(db, registry, staff, &id, form, t)
        .await
        .unwrap();
    (id, recorded.prompts.len())
}

/// The default's prompts and triage, plus clinic prompts up to [`PROMPTS`]: one every few hours
/// over the first two months, each vouched for by a clinician. Unless `all_apply`, they test
/// the conditions a clinic writes for (the patient here gets the unconditional and face ones).
fn clinic_document(default: &ProtocolDocument, all_apply: bool) -> ProtocolDocument {
    let mut doc = default.clone();
    let mut i: i32 = 0;
    while doc.prompts.len() < PROMPTS {
        let conditions = if all_apply {
            ConditionsDocument::default()
        } else {
            let mut c = ConditionsDocument::default();
            match i % 6 {
                0 => {}
                1 => c.areas = Some(vec!["face".to_owned()]),
                2 => c.areas = Some(vec!["neck".to_owned(), "chest".to_owned()]),
                3 => c.devices = Some(vec!["roller".to_owned()]),
                4 => c.prp = Some(true),
                _ => c.min_depth_mm = Some(1.5),
            }
            c
        };
        doc.prompts.push(PromptDocument {
            key: format!("clinic_tip_{i}"),
            kind: "aftercare".to_owned(),
            anchor: "treatment".to_owned(),
            day: i % 60 + 1,
            time: format!("{:02}:{:02}", 8 + (i % 12), (i * 7) % 60),
            conditions,
            important: false,
            ack_window_minutes: None,
            reassuring: false,
            texts: TextsDocument {
                en: TextDocument {
                    title: format!("From your clinic, note {i}"),
                    body: "Keep the treated skin clean and calm today: wash with lukewarm water, \
                           pat dry with a clean towel, and use only the products we gave you. \
                           Call us if anything worries you."
                        .to_owned(),
                },
                es: TextDocument {
                    title: format!("De tu clínica, nota {i}"),
                    body: "Mantén la piel tratada limpia y tranquila hoy: lávala con agua \
                           tibia, sécala con una toalla limpia y usa solo los productos que te \
                           dimos. Llámanos si algo te preocupa."
                        .to_owned(),
                },
            },
            facts: Vec::new(),
            clinic_instruction: Some(ClinicInstruction {
                clinician: "Dr. Ruiz".to_owned(),
            }),
        });
        i += 1;
    }
    doc
}
