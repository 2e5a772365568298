//! Texts across `kill -9`: the real `worker` binary against PostgreSQL texting patients only
//! texts can reach, killed five times mid-drain and restarted. A text cannot be collapsed on
//! the phone, so the worker records it `pending` before calling the provider: a prompt whose
//! worker died with its text in flight is never texted again (at most once). Measured at the
//! fake: texts per prompt (repeats, expected 0, bounded by the in-flight window) and prompts
//! never texted (those whose pending record was written but whose request never left, at most
//! the texts in flight at each kill).

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;
use rand::Rng;
use shared::db::prompts;
use shared::db::schema::{
    delivery_attempts as da, patient_profiles as pp, prompts as p, sms_consents as sc,
};
use shared::db::{Backend, new_id};
use shared::testing::fixtures;

use crate::fake_twilio::FakeTwilio;
use crate::helpers::{Env, new_prompt};
use crate::processes::{spawn_with, wait_for};

/// `AFTERCARE_SENDS_IN_FLIGHT` of `processes::spawn_with`.
const IN_FLIGHT: usize = 8;

/// `patients` patients reachable by text only (phone, consent, email off, no device), with
/// `per_patient` due prompts each.
async fn seed(env: &Env, patients: usize, per_patient: usize) -> Vec<String> {
    env.run(move |c| {
        let clinic = fixtures::clinic(c, "Text Clinic");
        let mut all = Vec::new();
        for i in 0..patients {
            let (user, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            diesel::update(pp::table.find(user.id.as_str()))
                .set((
                    pp::phone.eq(Some(format!("+3460011{i:04}"))),
                    pp::email_enabled.eq(false),
                ))
                .execute(c)
                .unwrap();
            diesel::insert_into(sc::table)
                .values((
                    sc::id.eq(new_id()),
                    sc::clinic_id.eq(clinic.id.as_str()),
                    sc::patient_id.eq(user.id.as_str()),
                    sc::granted.eq(true),
                    sc::phone.eq(Some(format!("+3460011{i:04}"))),
                    sc::text_version.eq(shared::domain::CONSENT_TEXT_VERSION),
                    sc::source.eq("clinic"),
                    sc::method.eq("console"),
                    sc::created_at.eq(shared::time::now()),
                ))
                .execute(c)
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
        all.into_iter().map(|p| p.id.to_string()).collect()
    })
    .await
}

async fn resolved(env: &Env) -> usize {
    let n: i64 = env
        .run(|c| {
            p::table
                // A prompt whose text was in flight at a kill has a `pending` text of unknown
                // fate: never texted again, and resolved without counting as sent.
                .filter(p::status.eq_any(["sent", "failed"]))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    n as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_while_texting_repeats_no_text() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let sms = FakeTwilio::start_with_delay(Duration::from_millis(20)).await;
    let all = seed(&env, 10, 30).await;
    let total = all.len();
    let kills = 5;
    let mut rng = rand::thread_rng();

    for _ in 0..kills {
        let proc = spawn_with(&env, sms.settings(), &[]);
        let from = sms.count();
        let more = rng.gen_range(15..=40);
        wait_for(
            Duration::from_secs(60),
            "texts before the kill",
            &[&proc],
            || {
                let n = sms.count();
                async move { n >= from + more }
            },
        )
        .await;
        proc.kill();
    }
    assert!(
        resolved(&env).await < total,
        "the kills must land mid-drain"
    );

    let last = spawn_with(&env, sms.settings(), &[]);
    wait_for(
        Duration::from_secs(180),
        "every prompt resolved",
        &[&last],
        || {
            let env = &env;
            async move { resolved(env).await == total }
        },
    )
    .await;
    last.terminate();

    let requests = sms.requests();
    assert!(requests.iter().all(|r| r.problems.is_empty()));
    let mut per_prompt: HashMap<&str, usize> = HashMap::new();
    for r in &requests {
        *per_prompt.entry(r.prompt_id().unwrap()).or_default() += 1;
    }
    let repeats: usize = per_prompt.values().map(|n| n - 1).sum();
    let never_texted = all
        .iter()
        .filter(|id| !per_prompt.contains_key(id.as_str()))
        .count();
    // The guard: at most one pending or sent text record per prompt.
    let records: Vec<(String, i64)> = env
        .run(|c| {
            da::table
                .filter(da::channel.eq("sms"))
                .filter(da::outcome.eq_any(["pending", "sent"]))
                .group_by(da::prompt_id)
                .select((da::prompt_id, diesel::dsl::count_star()))
                .load(c)
                .unwrap()
        })
        .await;
    let pending: i64 = env
        .run(|c| {
            da::table
                .filter(da::outcome.eq("pending"))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    eprintln!(
        "SMS crash test: {kills} kills, {total} prompts, {} texts, {repeats} repeated texts, \
         {never_texted} prompts never texted, {pending} texts left pending (in flight at a kill)",
        requests.len()
    );
    assert!(
        records.iter().all(|(_, n)| *n == 1),
        "one text record per prompt"
    );
    assert_eq!(records.len(), total);
    assert!(
        repeats <= IN_FLIGHT,
        "{repeats} repeats exceed the in-flight window"
    );
    assert!(
        never_texted <= kills * IN_FLIGHT,
        "{never_texted} prompts never texted: more than the texts in flight at {kills} kills"
    );
}
