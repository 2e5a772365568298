//! Texts (SMS) through the loopback Twilio-compatible fake: the request's shape and
//! authentication, the lock-screen-safe body, consent, the provider's answers (429 pausing the
//! sender for every worker, 21211, 21610, 5xx), the pending record that keeps a prompt from
//! being texted twice, and the sender's rate shared by two workers.

use std::collections::BTreeMap;

use chrono::{Duration, DurationRound, NaiveDateTime};
use diesel::prelude::*;
use shared::db::schema::{patient_profiles as pp, sms_consents as sc};
use shared::db::{clinics, new_id, quotas, users};
use shared::domain::PromptId;

use crate::both_backends;
use crate::fake_twilio::{FakeTwilio, TWILIO_FROM, TWILIO_SERVICE, error};
use crate::helpers::{Env, drain};

/// A patient texts can reach and nothing else can: a phone, a granted consent, email off and
/// no device (push on).
async fn texted_patient(env: &Env, phone: &str) -> (clinics::Clinic, users::User) {
    let (clinic, patient) = env.patient().await;
    let (id, phone) = (patient.id.to_string(), phone.to_owned());
    env.run(move |c| {
        diesel::update(pp::table.find(&id))
            .set((pp::phone.eq(Some(phone)), pp::email_enabled.eq(false)))
            .execute(c)
            .unwrap();
    })
    .await;
    consent(env, &clinic.id, &patient.id, true).await;
    (clinic, patient)
}

/// A consent record written now (granted or withdrawn), as the consent use case writes it.
async fn consent(
    env: &Env,
    clinic_id: impl AsRef<str>,
    patient_id: impl AsRef<str>,
    granted: bool,
) {
    let (clinic_id, patient_id) = (
        clinic_id.as_ref().to_owned(),
        patient_id.as_ref().to_owned(),
    );
    // Newest first by time: keep records of one test apart.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    env.run(move |c| {
        // Given for the phone now on file, in E.164 (as the consent use case records it).
        let on_file: Option<String> = pp::table
            .find(&patient_id)
            .select(pp::phone)
            .first(c)
            .unwrap();
        let phone = on_file
            .and_then(|p| shared::domain::E164::parse(&p).ok())
            .map(|p| p.as_str().to_owned());
        diesel::insert_into(sc::table)
            .values((
                sc::id.eq(new_id()),
                sc::phone.eq(phone),
                sc::clinic_id.eq(clinic_id),
                sc::patient_id.eq(patient_id),
                sc::granted.eq(granted),
                sc::text_version.eq(shared::domain::CONSENT_TEXT_VERSION),
                sc::source.eq("clinic"),
                sc::method.eq("console"),
                sc::created_at.eq(shared::time::now()),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
}

fn outcomes(attempts: &[shared::db::deliveries::Attempt]) -> Vec<(&str, &str)> {
    attempts
        .iter()
        .map(|a| (a.channel.as_str(), a.outcome.as_str()))
        .collect()
}

async fn stored_pause(env: &Env) -> NaiveDateTime {
    env.run(|c| quotas::paused_until(c, &format!("sms:{TWILIO_FROM}")).unwrap())
        .await
        .expect("a 429 leaves a pause on the sender's row")
}

both_backends! {
    async fn a_prompt_is_texted_in_the_messages_api_shape(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, patient) = texted_patient(&env, "+34 600 111 222").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let w = env.worker();

        assert_eq!(drain(&w).await, 1);

        let reqs = sms.requests();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let fields: Vec<&str> = r.form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["To", "From", "Body", "StatusCallback"]);
        assert_eq!(r.field("To"), Some("+34600111222"));
        assert_eq!(r.field("From"), Some(TWILIO_FROM));
        assert_eq!(r.field("StatusCallback"), Some("https://care.example.test/v1/webhooks/sms/status"));
        assert_eq!(
            r.body(),
            format!("Test Clinic: you have a new message in your aftercare app. https://care.example.test/app/prompts/{}", prompt.id)
        );
        let size = shared::sms::segments::count(r.body());
        assert_eq!((size.encoding, size.segments), (shared::sms::segments::Encoding::Gsm7, 1));

        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str()), p.attempts), ("sent", Some("sms"), 1));
        let attempts = env.attempts(&prompt.id).await;
        assert_eq!(outcomes(&attempts), [("sms", "sent")]);
        assert_eq!(attempts[0].provider_id.as_deref(), Some(r.sid.as_str()));
        assert_eq!(attempts[0].worker_id, "test-worker");
        let metrics = w.metrics.render();
        assert!(metrics.contains(r#"aftercare_sms_segments_total{encoding="gsm7"} 1"#), "{metrics}");
        assert!(metrics.contains(r#"aftercare_deliveries_total{channel="sms",outcome="sent"} 1"#), "{metrics}");
    }

    async fn a_messaging_service_sends_instead_of_a_number(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        env.vars.remove("AFTERCARE_SMS_FROM");
        env.set([("AFTERCARE_SMS_MESSAGING_SERVICE_SID", TWILIO_SERVICE.to_owned())]);
        let (clinic, patient) = texted_patient(&env, "+34600111223").await;
        let es = env.prompt(&clinic.id, &patient.id).await;
        env.run({
            let id = es.id.to_string();
            move |c| {
                use shared::db::schema::prompts as t;
                diesel::update(t::table.find(&id)).set(t::locale.eq("es")).execute(c).unwrap()
            }
        })
        .await;

        drain(&env.worker()).await;

        let r = &sms.requests()[0];
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.field("MessagingServiceSid"), r.field("From")), (Some(TWILIO_SERVICE), None));
        assert!(r.body().starts_with("Test Clinic: tienes un mensaje nuevo en tu app de cuidados. "), "{}", r.body());
    }

    async fn no_text_without_a_consent_in_force_or_with_the_switch_off(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, never_asked) = env.patient().await;
        let id = never_asked.id.to_string();
        env.run(move |c| {
            diesel::update(pp::table.find(&id))
                .set((pp::phone.eq(Some("+34600111224")), pp::email_enabled.eq(false)))
                .execute(c)
                .unwrap();
        })
        .await;
        let (_, withdrawn) = texted_patient(&env, "+34600111225").await;
        consent(&env, &clinic.id, &withdrawn.id, false).await;
        let (_, switched_off) = texted_patient(&env, "+34600111226").await;
        let id = switched_off.id.to_string();
        env.run(move |c| {
            diesel::update(pp::table.find(&id)).set(pp::sms_enabled.eq(false)).execute(c).unwrap();
        })
        .await;
        let (_, no_number) = texted_patient(&env, "600111227").await;
        let mut prompts = Vec::new();
        for p in [&never_asked, &withdrawn, &switched_off, &no_number] {
            prompts.push(env.prompt(&clinic.id, &p.id).await);
        }

        drain(&env.worker()).await;

        assert_eq!(sms.count(), 0, "{:?}", sms.requests());
        for p in prompts {
            let p = env.reload(&p.id).await;
            assert_eq!((p.status.as_str(), p.last_error.as_deref()), ("failed", Some("no_reachable_channel")));
        }
    }

    async fn a_429_pauses_the_sender_for_every_worker_and_its_prompt_is_retried(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, patient) = texted_patient(&env, "+34600111228").await;
        let hit = env.prompt(&clinic.id, &patient.id).await;
        sms.answer([error(429, 20429).insert_header("Retry-After", "2")]);
        let (a, b) = (env.worker_named("worker-a"), env.worker_named("worker-b"));
        let before = shared::time::now();

        assert_eq!(drain(&a).await, 1);

        let after = shared::time::now();
        let paused_until = stored_pause(&env).await;
        assert!(paused_until >= before + Duration::seconds(2) && paused_until <= after + Duration::seconds(2), "{paused_until}");
        let p = env.reload(&hit.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert!(p.available_at >= before + Duration::seconds(2));
        let attempts = env.attempts(&hit.id).await;
        assert_eq!(outcomes(&attempts), [("sms", "retry")]);
        assert_eq!((attempts[0].status_code, attempts[0].error.as_deref()), (Some(429), Some("twilio_20429")));
        assert!(a.metrics.render().contains(r#"aftercare_push_throttled_total{channel="sms"} 1"#));

        // The other worker, which never saw the 429, holds its text until the pause ends.
        let next = env.prompt(&clinic.id, &patient.id).await;
        assert_eq!(drain(&b).await, 1);
        let sent = sms.requests().into_iter().find(|r| r.prompt_id() == Some(next.id.as_str())).unwrap();
        assert!(sent.at >= paused_until, "texted at {} before the pause ended at {paused_until}", sent.at);
        assert_eq!(env.reload(&next.id).await.status.as_str(), "sent");

        // The prompt the 429 hit is texted on its retry: a refused text does not block another.
        env.make_due(&hit.id).await;
        assert_eq!(drain(&a).await, 1);
        let p = env.reload(&hit.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("sent", 2));
        assert_eq!(outcomes(&env.attempts(&hit.id).await), [("sms", "retry"), ("sms", "sent")]);
        assert_eq!(sms.count(), 3);
    }

    async fn an_invalid_number_and_an_opted_out_recipient_are_final(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, patient) = texted_patient(&env, "+34600111229").await;
        let invalid = env.prompt(&clinic.id, &patient.id).await;
        sms.answer([error(400, 21211)]);
        drain(&env.worker()).await;
        let opted_out = env.prompt(&clinic.id, &patient.id).await;
        sms.answer([error(400, 21610)]);
        drain(&env.worker()).await;

        let p = env.reload(&invalid.id).await;
        assert_eq!(p.status.as_str(), "failed");
        let a = env.attempts(&invalid.id).await;
        assert_eq!(outcomes(&a), [("sms", "invalid_token")]);
        assert_eq!((a[0].status_code, a[0].error.as_deref()), (Some(400), Some("twilio_21211")));
        let p = env.reload(&opted_out.id).await;
        assert_eq!((p.status.as_str(), p.last_error.as_deref()), ("failed", Some("recipient_opted_out")));
        let a = env.attempts(&opted_out.id).await;
        assert_eq!(outcomes(&a), [("sms", "failed")]);
        // Twilio 21610 (STOP texted to the provider): the consent is withdrawn, by keyword.
        let pid = patient.id.to_string();
        let latest: (bool, String, String) = env
            .run(move |c| {
                sc::table.filter(sc::patient_id.eq(pid)).order((sc::created_at.desc(), sc::id.desc()))
                    .select((sc::granted, sc::source, sc::method)).first(c).unwrap()
            })
            .await;
        assert_eq!(latest, (false, "patient".to_owned(), "keyword".to_owned()));
        // The provider's message quotes the number: it is never kept.
        for a in env.attempts(&invalid.id).await.into_iter().chain(a) {
            assert!(!a.error.unwrap_or_default().contains("+34"));
        }
        assert_eq!(sms.count(), 2);
    }

    async fn a_server_error_leaves_the_text_pending_and_it_is_never_sent_again(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, patient) = texted_patient(&env, "+34600111230").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        // A 5xx may come after the text was accepted: its fate is unknown.
        sms.answer([error(500, 20500), error(503, 20503)]);
        let w = env.worker();
        drain(&w).await;
        let p = env.reload(&prompt.id).await;
        assert_ne!(p.status.as_str(), "sent", "an unconfirmed text is not a delivery");
        assert_eq!(outcomes(&env.attempts(&prompt.id).await), [("sms", "pending")]);

        env.make_due(&prompt.id).await;
        drain(&w).await;
        assert_eq!(sms.count(), 1, "exactly one text for the prompt");
        assert_eq!(outcomes(&env.attempts(&prompt.id).await), [("sms", "pending")]);
        assert_ne!(env.reload(&prompt.id).await.status.as_str(), "sent");
    }

    async fn begin_refuses_a_patient_who_may_no_longer_be_texted(env) {
        use shared::care::sms_sends::{Begun, begin};
        let phone = "+34600111240";
        let mut refused = Vec::new();
        for case in ["withdrawn", "switched_off", "erased", "discharged", "phone_changed", "other_number", "ok"] {
            let (clinic, patient) = texted_patient(&env, phone).await;
            let prompt = env.prompt(&clinic.id, &patient.id).await;
            let id = patient.id.to_string();
            let t = shared::time::now();
            match case {
                "withdrawn" => consent(&env, &clinic.id, &patient.id, false).await,
                "switched_off" => env.run(move |c| { diesel::update(pp::table.find(&id)).set(pp::sms_enabled.eq(false)).execute(c).unwrap(); }).await,
                "erased" => env.run(move |c| { diesel::update(pp::table.find(&id)).set(pp::erased_at.eq(Some(t))).execute(c).unwrap(); }).await,
                "discharged" => env.run(move |c| { diesel::update(pp::table.find(&id)).set(pp::discharged_at.eq(Some(t))).execute(c).unwrap(); }).await,
                // Corrected after the consent was given: the consent was for the old number.
                "phone_changed" => env.run(move |c| { diesel::update(pp::table.find(&id)).set(pp::phone.eq(Some("+34600111241"))).execute(c).unwrap(); }).await,
                _ => {}
            }
            let to = if case == "other_number" { "+34600111242" } else { phone };
            let pid = PromptId::from(prompt.id.as_str());
            let patient_id = shared::domain::PatientId::from(patient.id.as_str());
            let begun = begin(&env.db, &pid, &patient_id, to, "w", t).await.unwrap();
            if case == "ok" {
                assert!(matches!(begun, Begun::Pending(_)), "{case}: {begun:?}");
            } else {
                assert_eq!(begun, Begun::Refused, "{case}");
                assert!(env.attempts(&prompt.id).await.is_empty(), "{case}: nothing written");
                refused.push(case);
            }
        }
        assert_eq!(refused.len(), 6);
    }

    async fn a_stop_after_the_window_was_read_stops_the_text(env) {
        use shared::care::sms_sends::{Begun, begin};
        let (clinic, patient) = texted_patient(&env, "+34600111243").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        // The worker read the window (the patient could be texted) and waits for the sender's
        // rate; meanwhile the patient texts STOP.
        let stop = shared::care::sms::Inbound {
            provider_id: "SMstop".into(),
            from: "+34600111243".into(),
            to: TWILIO_FROM.into(),
            body: "STOP".into(),
        };
        let id = patient.id.to_string();
        env.run(move |c| {
            // As for a phone written before the search key was backfilled: matched by its phone.
            diesel::update(pp::table.find(&id)).set(pp::search_key.eq(None::<String>)).execute(c).unwrap();
        })
        .await;
        shared::care::sms::receive(&env.db, stop, shared::time::now()).await.unwrap();
        let pid = PromptId::from(prompt.id.as_str());
        let patient_id = shared::domain::PatientId::from(patient.id.as_str());
        let begun = begin(&env.db, &pid, &patient_id, "+34600111243", "w", shared::time::now()).await.unwrap();
        assert_eq!(begun, Begun::Refused);
        assert!(env.attempts(&prompt.id).await.is_empty());
    }

    async fn a_prompt_with_a_pending_text_is_not_texted_again(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        let (clinic, patient) = texted_patient(&env, "+34600111231").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        // A worker died between the provider's answer and its record.
        let id = prompt.id.clone();
        let patient_id = shared::domain::PatientId::from(patient.id.as_str());
        let pending = env.run(move |c| shared::db::sms_sends::begin(c, &id, &patient_id, "+34600111231", "dead-worker", shared::time::now()).unwrap()).await;
        assert!(matches!(pending, shared::db::sms_sends::Begun::Pending(_)));

        assert_eq!(drain(&env.worker()).await, 1);

        assert_eq!(sms.count(), 0, "no second text for the prompt");
        // The text may or may not have gone: not counted as sent.
        let p = env.reload(&prompt.id).await;
        assert_ne!(p.status.as_str(), "sent");
        assert_eq!(outcomes(&env.attempts(&prompt.id).await), [("sms", "pending")]);
    }

    async fn beginning_a_text_is_race_safe(env) {
        use shared::care::sms_sends::Begun;
        let (clinic, patient) = texted_patient(&env, "+34600111232").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        let id = PromptId::from(prompt.id.as_str());
        let patient_id = shared::domain::PatientId::from(patient.id.as_str());
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (db, id, patient_id) = (env.db.clone(), id.clone(), patient_id.clone());
            tasks.push(tokio::spawn(async move {
                shared::care::sms_sends::begin(&db, &id, &patient_id, "+34600111232", &format!("worker-{i}"), shared::time::now()).await.unwrap()
            }));
        }
        let mut begun = Vec::new();
        for t in tasks {
            if let Begun::Pending(a) = t.await.unwrap() {
                begun.push(a);
            }
        }
        assert_eq!(begun.len(), 1, "exactly one pending text: {begun:?}");
        // Completed as sent, it still blocks; completed as a retry, it does not.
        let sent = shared::care::sms_sends::SmsResult {
            outcome: shared::domain::DeliveryOutcome::Retry,
            status_code: Some(503),
            error: Some("HTTP 503".into()),
            provider_id: None,
        };
        assert!(shared::care::sms_sends::finish(&env.db, &begun[0], sent.clone(), shared::time::now()).await.unwrap());
        assert!(!shared::care::sms_sends::finish(&env.db, &begun[0], sent, shared::time::now()).await.unwrap());
        let again = shared::care::sms_sends::begin(&env.db, &id, &patient_id, "+34600111232", "w", shared::time::now()).await.unwrap();
        assert!(matches!(again, Begun::Pending(_)));
    }

    async fn two_workers_together_keep_the_senders_rate(env) {
        let sms = FakeTwilio::start().await;
        env.set(sms.settings());
        // 2 texts a second from the sender; one prompt in flight per worker, so both keep
        // claiming and both compete for every window.
        env.set([
            ("AFTERCARE_SMS_RATE_PER_SEC", "2".to_owned()),
            ("AFTERCARE_BATCH_SIZE", "1".to_owned()),
            ("AFTERCARE_SENDS_IN_FLIGHT", "1".to_owned()),
        ]);
        let (clinic, patient) = texted_patient(&env, "+34600111232").await;
        let total = 8;
        for _ in 0..total {
            env.prompt(&clinic.id, &patient.id).await;
        }
        let (a, b) = (env.worker_named("worker-a"), env.worker_named("worker-b"));

        let (sent_a, sent_b) = tokio::join!(drain(&a), drain(&b));

        assert_eq!(sent_a + sent_b, total);
        let reqs = sms.requests();
        assert_eq!(reqs.len(), total);
        let mut per_second: BTreeMap<NaiveDateTime, usize> = BTreeMap::new();
        for r in &reqs {
            *per_second.entry(r.at.duration_trunc(Duration::seconds(1)).unwrap()).or_default() += 1;
        }
        eprintln!("texts per second at the fake: {per_second:?}");
        assert!(per_second.values().all(|n| *n <= 2), "texts per second at the fake: {per_second:?}");
        assert!(per_second.len() >= total / 2, "{per_second:?}");
        let mut by_worker = BTreeMap::new();
        for r in &reqs {
            let attempts = env.attempts(r.prompt_id().unwrap()).await;
            *by_worker.entry(attempts[0].worker_id.clone()).or_insert(0) += 1;
        }
        assert_eq!(by_worker.len(), 2, "{by_worker:?}");
    }
}

/// The fake signs its status callbacks as Twilio does (checked against the example of Twilio's
/// "Webhooks security" page), so the API's signature check can be tested against it.
#[tokio::test]
async fn the_fakes_status_callbacks_are_signed_as_twilio_signs_them() {
    use crate::fake_twilio::{TWILIO_TOKEN, parse_form, sign};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let example: Vec<(String, String)> = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(
        sign(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &example
        ),
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    );

    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let sms = FakeTwilio::start().await;
    let url = format!("{}/v1/webhooks/sms/status", receiver.uri());
    let answer = sms.post_status(&url, "SM0001", "delivered").await;
    assert_eq!(answer.status(), 204);
    let got = &receiver.received_requests().await.unwrap()[0];
    let form = parse_form(&String::from_utf8_lossy(&got.body));
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        (field("MessageSid"), field("MessageStatus")),
        (Some("SM0001"), Some("delivered"))
    );
    let signature = got
        .headers
        .get("x-twilio-signature")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(signature, sign(TWILIO_TOKEN, &url, &form));
}
