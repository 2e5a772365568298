//! Delivery outcomes on both backends (`shared::db::deliveries`): a prompt delivered at the first
//! try on one device is recorded on its row with no attempt row, and every reader of sends (the
//! attempts of a prompt, the delivery trace, a device's last send) still shows it with its
//! device, provider message id, status and time; every other outcome keeps its attempt rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use shared::db::deliveries::{self, Attempt, Outcome, Resolution, inline};
use shared::db::devices::{self, DeviceForm};
use shared::db::schema::{delivery_attempts, prompt_sends as prompts_t, prompts as prompt_rows};
use shared::db::{Backend, Db, DbConn, delivery_log, migrate, new_id, prompts};
use shared::domain::{
    DeliveryChannel, DeliveryOutcome, DeliveryStepStatus, DeviceId, Locale, PatientId, Platform,
    PromptId, PromptKind, PromptStatus, PushProvider, TimeZone,
};
use shared::testing::{TestDatabase, fixtures};

/// A migrated database on each reachable backend.
fn databases() -> Vec<(TestDatabase, Db)> {
    [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .filter_map(TestDatabase::new)
        .map(|t| {
            let db = Db::connect(&t.url, 4).unwrap();
            migrate::run_pending(&mut db.get().unwrap()).unwrap();
            (t, db)
        })
        .collect()
}

const WORKER: &str = "worker-1";

/// A patient with two FCM devices and one prompt, due now and leased by [`WORKER`].
struct Leased {
    patient: PatientId,
    prompt: PromptId,
    phone: DeviceId,
    tablet: DeviceId,
}

fn device(c: &mut DbConn, patient: &PatientId, seed: &str) -> DeviceId {
    let form = DeviceForm {
        platform: Platform::Android,
        token: fixtures::fcm_token(seed),
        app_version: None,
        provider: PushProvider::Fcm,
        apns_environment: None,
        webpush: None,
    };
    devices::register(c, patient, &form, now()).unwrap().0.id
}

fn leased(c: &mut DbConn) -> Leased {
    let clinic = fixtures::clinic(c, "A");
    let (user, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
    let patient = user.id.as_patient();
    let phone = device(c, &patient, &format!("phone-{patient}"));
    let tablet = device(c, &patient, &format!("tablet-{patient}"));
    let t = now() - Duration::seconds(5);
    let row = prompts::Prompt {
        id: PromptId::new(),
        clinic_id: clinic.id.clone(),
        patient_id: patient.clone(),
        treatment_id: None,
        booking_id: None,
        kind: PromptKind::Aftercare,
        prompt_key: "day1_ice".into(),
        day: 1,
        urgent: false,
        idempotency_key: format!("k-{patient}"),
        title: "t".into(),
        body: "b".into(),
        locale: Locale::En,
        timezone: TimeZone::parse("Europe/Madrid").unwrap(),
        local_date: t.date().to_string(),
        local_time: "10:00".into(),
        due_at: t,
        available_at: t,
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
    };
    prompts::insert(c, std::slice::from_ref(&row)).unwrap();
    claim(c);
    Leased {
        patient,
        prompt: row.id,
        phone,
        tablet,
    }
}

/// Leases whatever is due to [`WORKER`].
fn claim(c: &mut DbConn) {
    let t = now();
    let got = prompts::claim_due(c, WORKER, t, t + Duration::minutes(2), 10).unwrap();
    assert_eq!(got.len(), 1, "one prompt due");
}

fn now() -> NaiveDateTime {
    shared::time::now()
}

fn attempt(
    l: &Leased,
    device: Option<&DeviceId>,
    channel: DeliveryChannel,
    outcome: DeliveryOutcome,
    n: u32,
) -> Attempt {
    Attempt {
        id: new_id(),
        prompt_id: l.prompt.clone(),
        device_id: device.cloned(),
        channel,
        outcome,
        status_code: Some(if outcome == DeliveryOutcome::Sent {
            200
        } else {
            503
        }),
        error: (outcome != DeliveryOutcome::Sent).then(|| "unavailable".to_owned()),
        provider_id: (outcome == DeliveryOutcome::Sent).then(|| format!("projects/p/messages/{n}")),
        worker_id: WORKER.to_owned(),
        attempted_at: now(),
    }
}

fn sent(l: &Leased, attempts: Vec<Attempt>) -> Outcome {
    Outcome {
        prompt_id: l.prompt.clone(),
        resolution: Resolution::Sent {
            channel: DeliveryChannel::Fcm,
        },
        attempts,
        follow_up: None,
    }
}

fn rows(c: &mut DbConn) -> Vec<Attempt> {
    delivery_attempts::table
        .order(delivery_attempts::attempted_at.asc())
        .select(Attempt::as_select())
        .load(c)
        .unwrap()
}

type InlineColumns = (
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<NaiveDateTime>,
    String,
);

fn inline_columns(c: &mut DbConn, id: &PromptId) -> InlineColumns {
    let status: String = prompt_rows::table
        .find(id)
        .select(prompt_rows::status)
        .first(c)
        .unwrap();
    let (device, provider, code, worker, at) = prompts_t::table
        .find(id)
        .select((
            prompts_t::sent_device_id,
            prompts_t::sent_provider_id,
            prompts_t::sent_status_code,
            prompts_t::sent_worker_id,
            prompts_t::sent_at,
        ))
        .first(c)
        .unwrap();
    (device, provider, code, worker, at, status)
}

#[test]
fn a_first_try_send_is_on_the_prompt_row_and_every_reader_still_shows_it() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let at = now();
        let one = attempt(
            &l,
            Some(&l.phone),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Sent,
            1,
        );
        let owned = deliveries::resolve_group(c, WORKER, &[sent(&l, vec![one])], at).unwrap();
        assert_eq!(owned, vec![true]);

        assert!(rows(c).is_empty(), "no attempt row for a first-try send");
        let (device, provider, status, worker, sent_at, prompt_status) =
            inline_columns(c, &l.prompt);
        assert_eq!(device.as_deref(), Some(l.phone.as_str()));
        assert_eq!(provider.as_deref(), Some("projects/p/messages/1"));
        assert_eq!(status, Some(200));
        assert_eq!(worker.as_deref(), Some(WORKER));
        assert_eq!(sent_at, Some(at));
        assert_eq!(prompt_status, "sent");

        let shown = deliveries::for_prompt(c, &l.prompt).unwrap();
        assert_eq!(shown.len(), 1);
        let a = &shown[0];
        assert_eq!(a.id, format!("sent-{}", l.prompt));
        assert_eq!(a.id, inline::attempt_id(&l.prompt));
        assert_eq!(a.prompt_id, l.prompt);
        assert_eq!(a.device_id.as_ref(), Some(&l.phone));
        assert_eq!(a.channel, DeliveryChannel::Fcm);
        assert_eq!(a.outcome, DeliveryOutcome::Sent);
        assert_eq!(a.status_code, Some(200));
        assert_eq!(a.provider_id.as_deref(), Some("projects/p/messages/1"));
        assert_eq!(a.worker_id, WORKER);
        assert_eq!(a.error, None);
        assert_eq!(a.attempted_at, at);

        let trace = delivery_log::for_prompts(c, std::slice::from_ref(&l.prompt)).unwrap();
        assert_eq!(trace.len(), 1);
        assert_eq!(
            (
                trace[0].channel,
                trace[0].outcome,
                trace[0].receipt,
                trace[0].attempted_at
            ),
            (DeliveryChannel::Fcm, DeliveryOutcome::Sent, None, at)
        );
        let steps = delivery_log::steps_for_prompts(c, std::slice::from_ref(&l.prompt)).unwrap();
        assert_eq!(steps[&l.prompt][0].status, DeliveryStepStatus::Sent);

        let last = devices::last_sent(c, &[&l.phone, &l.tablet]).unwrap();
        assert_eq!(
            last,
            vec![(l.phone.clone(), at)],
            "the tablet was never sent to"
        );
    }
}

#[test]
fn resolve_one_at_a_time_records_a_first_try_send_inline_too() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let at = now();
        let one = attempt(
            &l,
            Some(&l.tablet),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Sent,
            7,
        );
        let resolution = Resolution::Sent {
            channel: DeliveryChannel::Fcm,
        };
        assert!(deliveries::resolve(c, &l.prompt, WORKER, &resolution, &[one], at).unwrap());
        assert!(rows(c).is_empty());
        let shown = deliveries::for_prompt(c, &l.prompt).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].device_id.as_ref(), Some(&l.tablet));
        assert_eq!(
            shown[0].provider_id.as_deref(),
            Some("projects/p/messages/7")
        );
        let last = devices::last_sent(c, &[&l.phone, &l.tablet]).unwrap();
        assert_eq!(last, vec![(l.tablet.clone(), at)]);
    }
}

#[test]
fn a_send_to_two_devices_keeps_two_attempt_rows_and_no_inline_columns() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let both = vec![
            attempt(
                &l,
                Some(&l.phone),
                DeliveryChannel::Fcm,
                DeliveryOutcome::Sent,
                1,
            ),
            attempt(
                &l,
                Some(&l.tablet),
                DeliveryChannel::Fcm,
                DeliveryOutcome::Sent,
                2,
            ),
        ];
        let at = now();
        let owned = deliveries::resolve_group(c, WORKER, &[sent(&l, both.clone())], at).unwrap();
        assert_eq!(owned, vec![true]);

        let written = rows(c);
        assert_eq!(written.len(), 2);
        let (device, provider, status, worker, sent_at, prompt_status) =
            inline_columns(c, &l.prompt);
        assert_eq!((device, provider, status, worker), (None, None, None, None));
        assert_eq!((sent_at, prompt_status.as_str()), (Some(at), "sent"));

        let shown = deliveries::for_prompt(c, &l.prompt).unwrap();
        let ids: Vec<&str> = shown.iter().map(|a| a.id.as_str()).collect();
        let mut want: Vec<&str> = both.iter().map(|a| a.id.as_str()).collect();
        want.sort();
        let mut got = ids.clone();
        got.sort();
        assert_eq!(got, want, "the two rows and nothing synthesised");
        let mut last = devices::last_sent(c, &[&l.phone, &l.tablet]).unwrap();
        last.sort();
        let mut want = vec![
            (l.phone.clone(), both[0].attempted_at),
            (l.tablet.clone(), both[1].attempted_at),
        ];
        want.sort();
        assert_eq!(last, want);
    }
}

#[test]
fn a_text_keeps_its_attempt_row() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let text = attempt(&l, None, DeliveryChannel::Sms, DeliveryOutcome::Sent, 3);
        let outcome = Outcome {
            resolution: Resolution::Sent {
                channel: DeliveryChannel::Sms,
            },
            ..sent(&l, vec![text])
        };
        assert_eq!(
            deliveries::resolve_group(c, WORKER, &[outcome], now()).unwrap(),
            vec![true]
        );
        assert_eq!(rows(c).len(), 1);
        assert_eq!(inline_columns(c, &l.prompt).3, None);
        assert_eq!(deliveries::for_prompt(c, &l.prompt).unwrap().len(), 1);
    }
}

#[test]
fn a_retry_then_a_success_is_the_retry_row_and_the_inline_send_in_order() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let retry = attempt(
            &l,
            Some(&l.phone),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Retry,
            0,
        );
        let first = Outcome {
            prompt_id: l.prompt.clone(),
            resolution: Resolution::Retry {
                at: now() - Duration::seconds(1),
                error: "unavailable".into(),
            },
            attempts: vec![retry.clone()],
            follow_up: None,
        };
        assert_eq!(
            deliveries::resolve_group(c, WORKER, &[first], now()).unwrap(),
            vec![true]
        );
        claim(c);
        let at = now() + Duration::milliseconds(1);
        let success = attempt(
            &l,
            Some(&l.phone),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Sent,
            2,
        );
        assert_eq!(
            deliveries::resolve_group(c, WORKER, &[sent(&l, vec![success])], at).unwrap(),
            vec![true]
        );

        let written = rows(c);
        assert_eq!(written.len(), 1, "the retry's row only");
        assert_eq!(written[0].id, retry.id);
        let shown = deliveries::for_prompt(c, &l.prompt).unwrap();
        let outcomes: Vec<_> = shown.iter().map(|a| (a.id.clone(), a.outcome)).collect();
        assert_eq!(
            outcomes,
            vec![
                (retry.id.clone(), DeliveryOutcome::Retry),
                (inline::attempt_id(&l.prompt), DeliveryOutcome::Sent),
            ]
        );
        let trace = delivery_log::steps_for_prompts(c, std::slice::from_ref(&l.prompt)).unwrap();
        let statuses: Vec<_> = trace[&l.prompt].iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            vec![DeliveryStepStatus::Failed, DeliveryStepStatus::Sent]
        );
        let last = devices::last_sent(c, &[&l.phone]).unwrap();
        assert_eq!(last, vec![(l.phone.clone(), at)]);
    }
}

#[test]
fn a_lost_lease_writes_nothing() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let one = attempt(
            &l,
            Some(&l.phone),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Sent,
            1,
        );
        let owned =
            deliveries::resolve_group(c, "worker-2", &[sent(&l, vec![one])], now()).unwrap();
        assert_eq!(owned, vec![false]);
        assert!(rows(c).is_empty());
        let (device, provider, status, worker, sent_at, prompt_status) =
            inline_columns(c, &l.prompt);
        assert_eq!((device, provider, status, worker), (None, None, None, None));
        assert_eq!((sent_at, prompt_status.as_str()), (None, "sending"));
        assert!(deliveries::for_prompt(c, &l.prompt).unwrap().is_empty());
        assert!(devices::last_sent(c, &[&l.phone]).unwrap().is_empty());
    }
}

#[test]
fn erasure_forgets_the_device_and_pruning_the_details_of_an_inline_send() {
    for (_t, db) in databases() {
        let c = &mut db.get().unwrap();
        let l = leased(c);
        let at = now();
        let one = attempt(
            &l,
            Some(&l.phone),
            DeliveryChannel::Fcm,
            DeliveryOutcome::Sent,
            1,
        );
        deliveries::resolve_group(c, WORKER, &[sent(&l, vec![one])], at).unwrap();

        assert_eq!(devices::delete_for_patient(c, &l.patient).unwrap(), 2);
        let shown = deliveries::for_prompt(c, &l.prompt).unwrap();
        assert_eq!(shown.len(), 1, "the send stays, as an attempt row would");
        assert_eq!(shown[0].device_id, None);
        assert_eq!(
            shown[0].provider_id.as_deref(),
            Some("projects/p/messages/1")
        );

        assert_eq!(
            deliveries::prune(c, at).unwrap(),
            0,
            "not older than `before`"
        );
        assert_eq!(deliveries::prune(c, at + Duration::seconds(1)).unwrap(), 1);
        assert!(deliveries::for_prompt(c, &l.prompt).unwrap().is_empty());
        let (_, _, _, worker, sent_at, prompt_status) = inline_columns(c, &l.prompt);
        assert_eq!(worker, None);
        assert_eq!((sent_at, prompt_status.as_str()), (Some(at), "sent"));
    }
}
