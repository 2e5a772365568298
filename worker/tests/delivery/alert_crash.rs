//! The clinic-alert outbox against the real `worker` binary on PostgreSQL, killed with SIGKILL
//! while alerts are leased but not yet sent, then restarted.
//!
//! Asserts (1) none lost: every alert ends `sent` and every recipient got every alert; (2) one
//! record: each alert's round was recorded once (`attempts` = 1); (3) repeats only for rounds in
//! flight at a kill: only alerts a killed process had claimed are repeated, and repeated emails
//! ≤ kills × `alerts::CONCURRENCY` × recipients; (4) every email, repeats included, carries its
//! alert's `Message-ID`, so a repeat is recognisably the same message.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use diesel::prelude::*;
use rand::Rng;
use shared::db::Backend;
use shared::db::schema::clinic_alerts as a;
use shared::domain::{ClinicAlertStatus, EscalationId};
use shared::testing::fixtures;
use shared::testing::smtp::{ReceivedMail, SmtpServer};
use worker::alerts::CONCURRENCY;

use crate::helpers::{Env, escalate};
use crate::processes::{spawn_with, wait_for};

/// Emails carrying a clinic alert's `Message-ID` (the worker may also send other mail).
fn alert_mails(smtp: &SmtpServer) -> Vec<ReceivedMail> {
    smtp.received()
        .into_iter()
        .filter(|m| {
            m.header("Message-ID")
                .is_some_and(|id| id.starts_with("<clinic-alert."))
        })
        .collect()
}

async fn count(env: &Env, status: ClinicAlertStatus) -> usize {
    let n: i64 = env
        .run(move |c| {
            a::table
                .filter(a::status.eq(status))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    n as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_between_claim_and_send_loses_no_clinic_alert() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    // A slow server, so each kill lands while claimed alerts wait for their send.
    smtp.delay_acceptance(Duration::from_millis(15));
    let total = 150;
    let (staff, escalations) = env
        .run(move |c| {
            let clinic = fixtures::clinic(c, "Crash Clinic");
            let admin = fixtures::user(c, &clinic.id, "clinic_admin");
            let clinician = fixtures::user(c, &clinic.id, "clinician");
            let (patient, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            let escalations: Vec<EscalationId> = (0..total)
                .map(|_| escalate(c, &clinic.id, &patient.id, "urgent"))
                .collect();
            (vec![admin.email, clinician.email], escalations)
        })
        .await;
    let expected_mails = total * staff.len();
    // The digest is not what this test watches.
    let extra = [("AFTERCARE_DIGEST_CRON", "0 0 0 1 1 *")];
    let kills = 5;
    let mut rng = rand::thread_rng();
    // Per kill: the alerts the killed process had claimed (committed) but not recorded.
    let mut stranded: Vec<Vec<String>> = Vec::new();

    for i in 0..kills {
        let id = format!("crash-{i}");
        let settings = [extra[0], ("AFTERCARE_WORKER_ID", id.as_str())];
        let proc = spawn_with(&env, smtp.settings(), &settings);
        let from = alert_mails(&smtp).len();
        let more = rng.gen_range(6..=40);
        wait_for(
            Duration::from_secs(60),
            "alert emails before the kill",
            &[&proc],
            || {
                let n = alert_mails(&smtp).len();
                async move { n >= from + more }
            },
        )
        .await;
        proc.kill();
        stranded.push(
            env.run(move |c| {
                a::table
                    .filter(a::lease_owner.eq(&id))
                    .select(a::escalation_id)
                    .load(c)
                    .unwrap()
            })
            .await,
        );
    }
    let counts: Vec<usize> = stranded.iter().map(Vec::len).collect();
    eprintln!("alerts claimed but unrecorded at each kill: {counts:?}");
    assert!(
        counts.iter().all(|&n| n > 0),
        "every kill must land between a claim's commit and its record"
    );
    let interrupted = count(&env, ClinicAlertStatus::Sent).await;
    assert!(
        interrupted < total,
        "the kills must land mid-drain ({interrupted} of {total} already sent)"
    );

    let last = spawn_with(&env, smtp.settings(), &extra);
    wait_for(
        Duration::from_secs(180),
        "every alert sent",
        &[&last],
        || {
            let env = &env;
            async move { count(env, ClinicAlertStatus::Sent).await == total }
        },
    )
    .await;
    last.terminate();

    // (1) None lost: every recipient got every escalation's alert.
    let mails = alert_mails(&smtp);
    let mut per_pair: HashMap<(String, String), usize> = HashMap::new();
    for m in &mails {
        let id = m.header("Message-ID").unwrap();
        for to in &m.to {
            *per_pair.entry((id.clone(), to.clone())).or_default() += 1;
        }
    }
    let expected: HashSet<(String, String)> = escalations
        .iter()
        .flat_map(|e| {
            staff
                .iter()
                .map(move |s| (format!("<clinic-alert.{e}@aftercare.local>"), s.clone()))
        })
        .collect();
    let received: HashSet<(String, String)> = per_pair.keys().cloned().collect();
    assert_eq!(
        received, expected,
        "every alert reached every recipient, and nothing else was sent"
    );

    // (2) One record per alert: sent, in one recorded round, lease released.
    let rows: Vec<(ClinicAlertStatus, i32, Option<String>)> = env
        .run(|c| {
            a::table
                .select((a::status, a::attempts, a::lease_owner))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(rows.len(), total);
    assert!(
        rows.iter()
            .all(|r| r.0 == ClinicAlertStatus::Sent && r.1 == 1 && r.2.is_none()),
        "one recorded round per alert: {rows:?}"
    );

    // (3) Repeats only for rounds in flight at a kill: per kill, at most CONCURRENCY alerts
    // were mid-round, each repeating at most one email per recipient.
    let mut per_alert: HashMap<String, usize> = HashMap::new();
    for m in &mails {
        *per_alert
            .entry(m.header("Message-ID").unwrap())
            .or_default() += 1;
    }
    let repeats_of = |escalation: &String| {
        per_alert[&format!("<clinic-alert.{escalation}@aftercare.local>")] - staff.len()
    };
    let stranded_any: HashSet<&String> = stranded.iter().flatten().collect();
    for e in &escalations {
        let e = e.to_string();
        assert!(
            repeats_of(&e) == 0 || stranded_any.contains(&e),
            "alert {e} was repeated without a kill stranding it"
        );
    }
    // For the report, an alert stranded by several kills counts at the last one.
    let per_kill: Vec<usize> = stranded
        .iter()
        .enumerate()
        .map(|(i, ids)| {
            ids.iter()
                .filter(|e| !stranded[i + 1..].iter().any(|later| later.contains(e)))
                .map(repeats_of)
                .sum()
        })
        .collect();
    let repeats = mails.len() - expected_mails;
    eprintln!(
        "{kills} kills, {} alert emails for {expected_mails} expected: {repeats} repeated, \
         per kill {per_kill:?}",
        mails.len()
    );
    assert!(
        repeats <= kills * CONCURRENCY * staff.len(),
        "{repeats} repeats exceed what {kills} kills can leave in flight"
    );

    // (4) Repeats are the same message: one Message-ID per escalation, no health details.
    for m in &mails {
        assert_eq!(
            m.header("Subject").as_deref(),
            Some("Crash Clinic: a patient needs a call")
        );
        assert!(!m.body_text().contains("fever"));
    }
}
