//! Triage of one check-in on the built-in rules: each rule at its boundaries, the reason and
//! guidance a patient and clinic get, and a property that no input makes it panic.

use proptest::prelude::*;

use crate::domain::{Locale, Severity, Symptom};
use crate::protocol::{CheckInFacts, PreviousCheckIn, Protocol, Triage};

const PHONE: &str = "+34 910 000 000";

fn protocol() -> &'static Protocol {
    static P: std::sync::OnceLock<Protocol> = std::sync::OnceLock::new();
    P.get_or_init(|| Protocol::builtin().unwrap())
}

/// Day, redness, pain; no swelling, peeling or symptoms.
fn check_in(day: i32, redness: i32, pain: i32) -> CheckInFacts {
    CheckInFacts {
        day,
        redness,
        pain,
        ..CheckInFacts::default()
    }
}

fn triage(input: &CheckInFacts, previous: Option<(i32, i32)>) -> Triage {
    let previous = previous.map(|(day, redness)| PreviousCheckIn { day, redness });
    protocol().triage(input, previous, Locale::En, Some(PHONE))
}

/// (case, input, previous (day, redness), expected severity, expected rules).
type Row = (
    &'static str,
    CheckInFacts,
    Option<(i32, i32)>,
    Severity,
    &'static [&'static str],
);

fn assert_rows(rows: Vec<Row>) {
    for (case, input, previous, severity, rules) in rows {
        let t = triage(&input, previous);
        let fired: Vec<&str> = t.rules.iter().map(String::as_str).collect();
        assert_eq!((t.severity, fired.as_slice()), (severity, rules), "{case}");
        assert!(!t.guidance.is_empty(), "{case}: no guidance");
    }
}

#[test]
fn every_warning_sign_symptom_is_urgent() {
    for symptom in Symptom::ALL {
        // Mild otherwise, on any day, including the day of treatment.
        for day in [0, 3, 10] {
            let mut c = check_in(day, 1, 1);
            c.symptoms = vec![*symptom];
            let t = triage(&c, None);
            assert_eq!(t.severity, Severity::Urgent, "{symptom} on day {day}");
            assert_eq!(t.rules, ["warning_sign"], "{symptom}");
            assert_eq!(t.reason, "warning_sign");
        }
    }
    let mut none = check_in(3, 1, 1);
    none.symptoms = vec![];
    assert_eq!(triage(&none, None).severity, Severity::None);
}

#[test]
fn redness_still_strong_from_day_5_is_routine() {
    assert_rows(vec![
        (
            "6 on day 5",
            check_in(5, 6, 0),
            None,
            Severity::Routine,
            &["redness_not_fading"],
        ),
        ("6 on day 4", check_in(4, 6, 0), None, Severity::None, &[]),
        ("5 on day 5", check_in(5, 5, 0), None, Severity::None, &[]),
        ("10 on day 1", check_in(1, 10, 0), None, Severity::None, &[]),
        (
            "10 on day 12",
            check_in(12, 10, 0),
            None,
            Severity::Routine,
            &["redness_not_fading"],
        ),
    ]);
    assert_eq!(
        triage(&check_in(5, 6, 0), None).reason,
        "redness_not_fading"
    );
}

#[test]
fn redness_rising_after_day_2_is_routine() {
    let rising = &["redness_rising"][..];
    assert_rows(vec![
        (
            "rising on day 2",
            check_in(2, 5, 0),
            Some((1, 3)),
            Severity::None,
            &[],
        ),
        (
            "rising on day 3",
            check_in(3, 5, 0),
            Some((2, 3)),
            Severity::Routine,
            rising,
        ),
        (
            "by one on day 3",
            check_in(3, 4, 0),
            Some((1, 3)),
            Severity::Routine,
            rising,
        ),
        (
            "same on day 3",
            check_in(3, 4, 0),
            Some((2, 4)),
            Severity::None,
            &[],
        ),
        (
            "falling on day 4",
            check_in(4, 2, 0),
            Some((2, 4)),
            Severity::None,
            &[],
        ),
        ("no previous", check_in(4, 5, 0), None, Severity::None, &[]),
        // Two check-ins on one day compare too; one "from a later day" is not a trend.
        (
            "same day",
            check_in(3, 5, 0),
            Some((3, 2)),
            Severity::Routine,
            rising,
        ),
        (
            "later day",
            check_in(3, 5, 0),
            Some((4, 2)),
            Severity::None,
            &[],
        ),
    ]);
    let t = triage(&check_in(3, 5, 0), Some((2, 3)));
    assert_eq!(t.reason, "redness_worsening");
}

#[test]
fn pain_of_7_or_more_is_routine() {
    assert_rows(vec![
        ("pain 6", check_in(2, 2, 6), None, Severity::None, &[]),
        (
            "pain 7",
            check_in(2, 2, 7),
            None,
            Severity::Routine,
            &["strong_pain"],
        ),
        (
            "pain 7 on day 0",
            check_in(0, 2, 7),
            None,
            Severity::Routine,
            &["strong_pain"],
        ),
        (
            "pain 10",
            check_in(9, 0, 10),
            None,
            Severity::Routine,
            &["strong_pain"],
        ),
    ]);
}

#[test]
fn several_rules_fire_and_the_most_severe_gives_the_reason() {
    let mut c = check_in(5, 7, 8);
    let t = triage(&c, Some((4, 5)));
    assert_eq!(t.severity, Severity::Routine);
    assert_eq!(
        t.rules,
        ["redness_not_fading", "redness_rising", "strong_pain"]
    );
    assert_eq!(t.reason, "redness_not_fading");
    let text = t.guidance.join(" ");
    for needle in [
        "By day 5",
        "stronger than at your last check-in",
        "strong pain",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    c.symptoms = vec![Symptom::Fever];
    let t = triage(&c, Some((4, 5)));
    assert_eq!(t.severity, Severity::Urgent);
    assert_eq!(t.rules[0], "warning_sign");
    assert_eq!(t.rules.len(), 4);
    assert_eq!(t.reason, "warning_sign");
    // Urgent guidance only: nothing routine or reassuring mixed in.
    assert!(!t.guidance.join(" ").contains("By day 5"));
}

#[test]
fn out_of_range_numbers_are_clamped_not_trusted() {
    let t = triage(&check_in(-3, 99, -5), Some((-1, -40)));
    // Day -3 reads as day 0; redness 99 as 10; previous -40 as 0 (rising, but not after day 2).
    assert_eq!(t.severity, Severity::None);
    let t = triage(&check_in(i32::MAX, i32::MAX, i32::MIN), None);
    assert_eq!(t.rules, ["redness_not_fading"]);
}

fn guidance(input: &CheckInFacts, previous: Option<(i32, i32)>) -> String {
    triage(input, previous).guidance.join("\n")
}

#[test]
fn reassurance_fits_the_day() {
    // Peeling on day 3 is expected: moisturise, don't pick.
    let mut c = check_in(3, 2, 1);
    c.peeling = true;
    let text = guidance(&c, None);
    assert!(
        text.contains("Moisturise often") && text.contains("don't pick"),
        "{text}"
    );
    assert!(text.contains("up to about five days"), "{text}");
    assert!(!text.contains("first days are normal"), "{text}");
    // Redness 4 on day 1 is normal (and the cold-pack tip for the soreness).
    let text = guidance(&check_in(1, 4, 2), None);
    assert!(text.contains("first days are normal"), "{text}");
    assert!(text.contains("cold pack"), "{text}");
    assert!(!text.contains("Moisturise often"), "{text}");
    // Day 5 with a little redness left: fading is expected by now; lower than last time.
    let text = guidance(&check_in(5, 3, 0), Some((3, 5)));
    assert!(text.contains("most of it is gone within a week"), "{text}");
    assert!(text.contains("fading as expected"), "{text}");
    // Every reassurance thanks the patient and ends with the warning signs.
    for text in [
        guidance(&check_in(0, 0, 0), None),
        guidance(&check_in(20, 0, 0), None),
    ] {
        assert!(text.starts_with("Thank you for checking in"), "{text}");
        assert!(
            text.ends_with("blisters, cold sores or severe pain."),
            "{text}"
        );
    }
}

#[test]
fn urgent_guidance_gives_the_clinic_phone_in_both_locales() {
    let mut c = check_in(2, 3, 3);
    c.symptoms = vec![Symptom::Pus];
    let en = protocol().triage(&c, None, Locale::En, Some(PHONE));
    let es = protocol().triage(&c, None, Locale::Es, Some(PHONE));
    assert!(
        en.guidance[0].starts_with("Contact your clinic now"),
        "{:?}",
        en.guidance
    );
    assert!(en.guidance[0].contains(PHONE));
    assert!(
        es.guidance[0].starts_with("Contacta ahora con tu clínica"),
        "{:?}",
        es.guidance
    );
    assert!(es.guidance[0].contains(PHONE));
    assert_eq!(en.guidance.len(), es.guidance.len());
    assert_ne!(en.guidance, es.guidance);
    assert_eq!((en.severity, &en.reason), (es.severity, &es.reason));
    // No phone (or a blank one): the text says how to reach them without a number.
    for phone in [None, Some("  ")] {
        for (locale, needle) in [
            (Locale::En, "contact details"),
            (Locale::Es, "datos de contacto"),
        ] {
            let t = protocol().triage(&c, None, locale, phone);
            let text = t.guidance.join(" ");
            assert!(text.contains(needle), "{locale}: {text}");
            assert!(!text.contains('{') && !text.contains(PHONE), "{text}");
        }
    }
}

#[test]
fn routine_guidance_asks_for_a_call_in_both_locales() {
    let c = check_in(6, 8, 0);
    let en = protocol().triage(&c, None, Locale::En, Some(PHONE));
    assert!(
        en.guidance[0].contains(&format!("call them on {PHONE}")),
        "{:?}",
        en.guidance
    );
    let es = protocol().triage(&c, None, Locale::Es, Some(PHONE));
    assert!(
        es.guidance[0].contains(&format!("Llámales al {PHONE}")),
        "{:?}",
        es.guidance
    );
    let es = protocol().triage(&c, None, Locale::Es, None);
    assert!(
        es.guidance[0].contains("Contacta con ellos"),
        "{:?}",
        es.guidance
    );
    assert!(
        es.guidance
            .iter()
            .any(|g| g.contains("Mañana por la mañana"))
    );
}

fn symptoms() -> impl Strategy<Value = Vec<Symptom>> {
    proptest::sample::subsequence(Symptom::ALL.to_vec(), 0..=Symptom::ALL.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_check_in_makes_triage_panic(
        day in any::<i32>(),
        redness in any::<i32>(),
        swelling in any::<i32>(),
        pain in any::<i32>(),
        peeling in any::<bool>(),
        symptoms in symptoms(),
        previous in proptest::option::of((any::<i32>(), any::<i32>())),
        es in any::<bool>(),
        phone in proptest::option::of("[ +0-9]{0,16}"),
    ) {
        let input = CheckInFacts { day, redness, swelling, pain, peeling, symptoms };
        let previous = previous.map(|(day, redness)| PreviousCheckIn { day, redness });
        let locale = if es { Locale::Es } else { Locale::En };
        let t = protocol().triage(&input, previous, locale, phone.as_deref());
        // Every symptom a patient can report is a warning sign (docs/FACTS.md).
        prop_assert_eq!(t.severity == Severity::Urgent, !input.symptoms.is_empty());
        let fired = protocol()
            .triage_rules()
            .rules
            .iter()
            .filter(|r| t.rules.contains(&r.id))
            .map(|r| r.severity)
            .max()
            .unwrap_or(Severity::None);
        prop_assert_eq!(fired, t.severity);
        prop_assert!(!t.guidance.is_empty());
        let placeholder = "{clinic_phone}";
        prop_assert!(t.guidance.iter().all(|g| !g.contains(placeholder)));
        prop_assert!(!t.reason.is_empty());
    }
}
