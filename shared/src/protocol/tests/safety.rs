//! Content safety: the default and clinics' protocols render cleanly in both languages for
//! every condition, broken content is caught, and a lock-screen-private push never carries a
//! prompt's words whatever a clinic writes.

use proptest::prelude::*;

use super::utc;
use crate::domain::{Area, Device, Locale, LockScreenPreview, NeedleDepth};
use crate::protocol::document::{ClinicInstruction, ConditionsDocument};
use crate::protocol::safety::{SafetyProblem, check};
use crate::protocol::{PreviewInput, Protocol, preview};
use crate::push::apns::ApnsClient;
use crate::push::fcm::FcmClient;
use crate::push::webpush::Payload;
use crate::push::{PushMessage, visible_text};

#[test]
fn the_default_protocol_and_an_edited_one_are_safe() {
    let p = Protocol::load(None).unwrap();
    assert_eq!(check(&p), Vec::<SafetyProblem>::new());
    let mut doc = p.document();
    let i = doc
        .prompts
        .iter()
        .position(|d| d.key == "day2_gentle_products")
        .unwrap();
    let mut own = doc.prompts[i].clone();
    own.key = "no_retinol".into();
    own.facts.clear();
    own.clinic_instruction = Some(ClinicInstruction {
        clinician: "Dra. Ana Ruiz".into(),
    });
    own.conditions = ConditionsDocument {
        areas: Some(vec!["neck".into(), "chest".into()]),
        min_depth_mm: Some(1.25),
        max_depth_mm: Some(2.0),
        devices: Some(vec!["roller".into(), "stamp".into()]),
        prp: Some(true),
        course: Some("final".into()),
    };
    // The longest texts a document allows, in four-byte characters, with placeholders.
    own.texts.en.title = "🧴".repeat(80);
    own.texts.en.body = format!(
        "{} {{session_number}}/{{planned_sessions}}",
        "😀".repeat(560)
    );
    own.texts.es.body = "\"\\".repeat(300);
    doc.prompts.push(own);
    let clinic = p.with_document("clinic-1", &doc).unwrap();
    assert_eq!(check(&clinic), Vec::<SafetyProblem>::new());
}

#[test]
fn broken_content_is_reported_per_prompt_and_language() {
    let mut p = Protocol::load(None).unwrap();
    let at = |p: &Protocol, key: &str| p.prompts().iter().position(|d| d.key == key).unwrap();
    let (sun, week, rebook, makeup) = (
        at(&p, "day1_sun"),
        at(&p, "session_reminder_7d"),
        at(&p, "rebook"),
        at(&p, "day0_makeup"),
    );
    p.prompts[sun].en.body = "x".repeat(5000);
    p.prompts[sun].es.title = " ".into();
    p.prompts[sun].es.body = "\u{200B}\u{2800}".into();
    p.prompts[week].es.body = "Usa {cream} el {session_date}".into();
    p.prompts[rebook].en.body = "Book for {session_date} {".into();
    // A prompt planned only for the scalp with a pen, bad in Spanish only.
    p.prompts[makeup].when.areas = Some(vec![Area::Scalp]);
    p.prompts[makeup].es.body = "{session_time}".into();
    let problems = check(&p);
    let has = |key: &str, locale: Locale, needle: &str| {
        problems
            .iter()
            .any(|x| x.prompt_key == key && x.locale == locale && x.message.contains(needle))
    };
    assert!(
        has("day1_sun", Locale::En, "FCM payload is"),
        "{problems:#?}"
    );
    assert!(
        has("day1_sun", Locale::En, "APNs payload is"),
        "{problems:#?}"
    );
    assert!(
        has("day1_sun", Locale::En, "Web Push payload is"),
        "{problems:#?}"
    );
    assert!(
        has("day1_sun", Locale::Es, "the title is empty"),
        "{problems:#?}"
    );
    assert!(
        has("day1_sun", Locale::Es, "the body has no visible text"),
        "{problems:#?}"
    );
    assert!(
        has("session_reminder_7d", Locale::Es, "still shows {cream}"),
        "{problems:#?}"
    );
    assert!(
        has("rebook", Locale::En, "not part of a placeholder"),
        "{problems:#?}"
    );
    assert!(
        has("day0_makeup", Locale::Es, "still shows {session_time}"),
        "{problems:#?}"
    );
    assert!(!has("day0_makeup", Locale::En, ""), "{problems:#?}");
    // Each problem once, however many samples show it.
    let mut unique = problems.clone();
    unique.dedup();
    assert_eq!(unique, problems);
    // The private payloads stay small whatever the text: only the full ones are over.
    assert!(
        !problems.iter().any(|x| x.message.contains("private")),
        "{problems:#?}"
    );
}

fn word() -> impl Strategy<Value = String> {
    // Letters of both languages, in any case: words a clinic might write.
    proptest::string::string_regex("[a-zA-ZáéíóúñÁÉÍÓÚÑ]{6,12}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_private_push_never_carries_a_prompts_words(
        title in proptest::collection::vec(word(), 1..6),
        body in proptest::collection::vec(word(), 1..40),
        locale in prop_oneof![Just(Locale::En), Just(Locale::Es)],
    ) {
        let p = Protocol::load(None).unwrap();
        let mut doc = p.document();
        let i = doc.prompts.iter().position(|d| d.key == "day1_sun").unwrap();
        let (title, body) = (title.join(" "), body.join(" "));
        let texts = &mut doc.prompts[i].texts;
        for t in [&mut texts.en, &mut texts.es] {
            t.title = title.clone();
            t.body = body.clone();
        }
        let clinic = p.with_document("clinic-1", &doc).unwrap();
        prop_assert_eq!(check(&clinic), Vec::<SafetyProblem>::new());
        let sample = PreviewInput {
            performed_at: utc("2026-03-02T10:00:00Z"),
            areas: vec![Area::Face],
            depth: NeedleDepth::parse(1.0).unwrap(),
            device: Device::Pen,
            combined_with: vec![],
            tz: chrono_tz::America::Mexico_City,
            locale,
            session_number: 1,
            planned_sessions: 3,
            interval_weeks: 4,
            booking_at: None,
        };
        let planned = preview(&clinic, &sample);
        let sun = planned.iter().find(|x| x.key == "day1_sun").unwrap();
        prop_assert_eq!(&sun.body, &body);
        for mode in [LockScreenPreview::Private, LockScreenPreview::Full] {
            let msg = PushMessage {
                device_token: "f".repeat(64),
                visible: visible_text(mode, locale, &sun.title, &sun.body),
                prompt_id: "p1".into(),
                kind: sun.kind.as_str().into(),
                idempotency_key: sun.idempotency_key.clone(),
                ttl_secs: 3600,
            };
            let web = Payload::new(&msg.visible, &msg.prompt_id, &msg.idempotency_key);
            for payload in [
                FcmClient::body(&msg).to_string(),
                ApnsClient::body(&msg).to_string(),
                serde_json::to_string(&web).unwrap(),
            ] {
                // Whole words, in any case (a short word may be part of a JSON key).
                let lower = payload.to_lowercase();
                let in_payload: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
                let carried: Vec<&str> = title
                    .split(' ')
                    .chain(body.split(' '))
                    .filter(|w| in_payload.contains(&w.to_lowercase().as_str()))
                    .collect();
                if mode == LockScreenPreview::Private {
                    prop_assert!(carried.is_empty(), "{:?} in {}", carried, payload);
                } else {
                    // The same check sees the words when the patient chose full previews.
                    prop_assert!(!carried.is_empty(), "{}", payload);
                }
            }
        }
    }
}
