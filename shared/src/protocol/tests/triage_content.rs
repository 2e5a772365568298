//! The check-in tables of the protocol files: every rule rests on facts, thresholds are data
//! (an extra file changes triage without code), and broken tables stop the load naming the
//! file and rule.

use super::builtin_files;
use crate::domain::{Locale, Severity, Symptom};
use crate::protocol::{CheckInFacts, Protocol};

#[test]
fn every_triage_and_adaptive_rule_names_facts_that_exist() {
    let p = Protocol::builtin().unwrap();
    let t = p.triage_rules();
    let a = p.adaptations();
    let named: Vec<(String, &Vec<String>)> = t
        .rules
        .iter()
        .map(|r| (format!("rule {}", r.id), &r.facts))
        .chain(
            t.guidance
                .iter()
                .map(|g| (format!("guidance {}", g.id), &g.facts)),
        )
        .chain(
            a.follow_ups
                .iter()
                .map(|f| (format!("follow-up {}", f.def.key), &f.def.facts)),
        )
        .chain(
            a.bring_forward
                .iter()
                .map(|b| (format!("bring_forward {}", b.id), &b.facts)),
        )
        .chain(
            a.hold_reassuring
                .iter()
                .map(|h| ("hold".to_owned(), &h.facts)),
        )
        .collect();
    assert!(named.len() >= 20, "{}", named.len());
    for (what, facts) in named {
        assert!(!facts.is_empty(), "{what} names no facts");
        for f in facts {
            assert!(p.facts().contains_key(f), "{what}: unknown fact {f}");
        }
    }
    // The three adaptations the plan relies on are all configured.
    assert!(a.hold_reassuring.is_some());
    for severity in [Severity::Routine, Severity::Urgent] {
        assert!(
            a.follow_ups.iter().any(|f| f.after == severity),
            "{severity}"
        );
    }
    assert!(
        a.bring_forward
            .iter()
            .any(|b| b.prompts == ["day3_dry_peeling"])
    );
}

#[test]
fn every_reportable_symptom_is_covered_by_an_urgent_rule() {
    let p = Protocol::builtin().unwrap();
    for s in Symptom::ALL {
        assert!(
            p.triage_rules()
                .rules
                .iter()
                .any(|r| r.severity == Severity::Urgent
                    && r.when.symptoms_any.as_ref().is_some_and(|l| l.contains(s))),
            "{s}"
        );
    }
}

#[test]
fn guidance_is_translated_and_the_urgent_follow_up_bypasses_quiet_hours() {
    let p = Protocol::builtin().unwrap();
    for g in &p.triage_rules().guidance {
        assert_ne!(
            g.text(Locale::En),
            g.text(Locale::Es),
            "{} is not translated",
            g.id
        );
    }
    for f in &p.adaptations().follow_ups {
        assert_ne!(f.def.en, f.def.es, "{}", f.def.key);
        assert_eq!(f.def.urgent, f.after == Severity::Urgent, "{}", f.def.key);
    }
}

const EXTRA_RULE: &str = r#"
[[triage.rules]]
id = "strong_swelling"
severity = "routine"
reason = "strong_swelling"
facts = ["same_day"]
when.day_min = 2
when.swelling_min = 8
"#;

#[test]
fn thresholds_are_data_an_extra_rule_changes_triage() {
    let mut files = builtin_files();
    files.push(("extra.toml".into(), EXTRA_RULE.into()));
    let p = Protocol::from_files(&files).unwrap();
    let c = CheckInFacts {
        day: 2,
        swelling: 8,
        ..CheckInFacts::default()
    };
    let t = p.triage(&c, None, Locale::En, None);
    assert_eq!(
        (t.severity, t.reason.as_str()),
        (Severity::Routine, "strong_swelling")
    );
    let builtin = Protocol::builtin()
        .unwrap()
        .triage(&c, None, Locale::En, None);
    assert_eq!(builtin.severity, Severity::None);
}

fn load_err(files: Vec<(String, String)>) -> String {
    let err = Protocol::from_files(&files).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

fn with_broken(text: &str) -> String {
    let mut files = builtin_files();
    files.push(("broken.toml".into(), text.into()));
    load_err(files)
}

#[test]
fn broken_triage_tables_are_rejected_naming_file_and_rule() {
    let rule = |r: &str, w: &str| EXTRA_RULE.replace(r, w);
    let cases: Vec<(String, &str, &str)> = vec![
        (rule("severity = \"routine\"", "severity = \"none\""), "strong_swelling", "must be routine or urgent"),
        (rule("when.day_min = 2\nwhen.swelling_min = 8", ""), "strong_swelling", "has no conditions"),
        (rule("[\"same_day\"]", "[\"gossip\"]"), "strong_swelling", "\"gossip\" is not in any [facts]"),
        (rule("facts = [\"same_day\"]", ""), "strong_swelling", "names no docs/FACTS.md line"),
        (rule("id = \"strong_swelling\"", "id = \"warning_sign\""), "warning_sign", "id is used twice"),
        (rule("reason = \"strong_swelling\"", "reason = \"Swollen!\""), "strong_swelling", "lower-case"),
        (rule("swelling_min = 8", "swelling_min = 11"), "strong_swelling", "11 is outside 0–10"),
        (rule("when.day_min = 2", "when.day_min = 6\nwhen.day_max = 3"), "strong_swelling", "day_min is above"),
        (rule("when.day_min = 2", "when.symptoms_any = [\"rash\"]"), "strong_swelling", "unknown symptom \"rash\""),
        (rule("when.day_min = 2", "when.redness_trend = \"sideways\""), "strong_swelling", "unknown when.redness_trend"),
        (rule("when.day_min = 2", "when.colour = \"red\""), "broken.toml", "colour"),
        (
            "[[triage.guidance]]\nid = \"g\"\nseverity = \"routine\"\nrules = [\"nope\"]\nfacts = [\"sun\"]\nen = \"A\"\nes = \"B\"\n".into(),
            "\"g\"",
            "rule \"nope\" is not a triage rule",
        ),
        (
            "[[triage.guidance]]\nid = \"g\"\nseverity = \"none\"\nrules = [\"strong_pain\"]\nfacts = [\"sun\"]\nen = \"A\"\nes = \"B\"\n".into(),
            "\"g\"",
            "would never show",
        ),
        (
            "[[triage.guidance]]\nid = \"g\"\nseverity = \"urgent\"\nfacts = [\"sun\"]\nen = \"Call {clinic_phone}\"\nes = \"B\"\n".into(),
            "\"g\"",
            "uses {clinic_phone}",
        ),
        (
            "[[triage.guidance]]\nid = \"g\"\nseverity = \"urgent\"\nfacts = [\"sun\"]\nen = \"A\"\n".into(),
            "\"g\"",
            "has no es text",
        ),
        (
            "[[triage.guidance]]\nid = \"g\"\nseverity = \"urgent\"\nfacts = [\"sun\"]\nen = \"A\"\nes = \"\\u200B\\u2800\"\n".into(),
            "\"g\"",
            "es text has no visible text",
        ),
        ("[triage]\nnone_reason = \"fine\"\n".into(), "triage.none_reason", "more than one file"),
        (
            follow_up("after = \"routine\"", "after = \"none\""),
            "\"again\"",
            "after \"none\" must be routine or urgent",
        ),
        (follow_up("time = \"09:00\"\n", ""), "\"again\"", "needs a time"),
        (follow_up("key = \"again\"", "key = \"day5_check_in\""), "day5_check_in", "key is used twice"),
        (follow_up("kind = \"check_in\"", "kind = \"gossip\""), "follow-up \"again\"", "unknown kind"),
        (
            "[[adapt.bring_forward]]\nid = \"b\"\non = \"peeling\"\nprompts = [\"nope\"]\ntime = \"09:00\"\nfacts = [\"sun\"]\n".into(),
            "bring_forward \"b\"",
            "prompt \"nope\" does not exist",
        ),
        (
            "[[adapt.bring_forward]]\nid = \"b\"\non = \"redness\"\nprompts = [\"day1_sun\"]\ntime = \"9am\"\nfacts = [\"sun\"]\n".into(),
            "bring_forward \"b\"",
            "must be peeling",
        ),
        ("[adapt.hold_reassuring]\nfacts = [\"sun\"]\n".into(), "hold_reassuring", "more than one file"),
    ];
    for (text, name, needle) in cases {
        let err = with_broken(&text);
        assert!(err.contains("broken.toml"), "{err}");
        assert!(
            err.contains(name) && err.contains(needle),
            "{needle}: {err}"
        );
    }
}

fn follow_up(from: &str, to: &str) -> String {
    r#"
[[adapt.follow_ups]]
key = "again"
kind = "check_in"
after = "routine"
send = "next_morning"
time = "09:00"
facts = ["redness_not_fading"]
en = { title = "T", body = "B" }
es = { title = "T", body = "B" }
"#
    .replace(from, to)
}

#[test]
fn a_protocol_without_triage_or_without_fallback_guidance_does_not_load() {
    let without: Vec<_> = builtin_files()
        .into_iter()
        .filter(|(n, _)| n != "triage.toml")
        .collect();
    let err = load_err(without.clone());
    assert!(
        err.contains("no file has the check-in triage rules"),
        "{err}"
    );
    // Only conditional guidance for `none`: a patient could get no guidance at all.
    let mut files = without;
    files.push((
        "triage.toml".into(),
        format!(
            "{EXTRA_RULE}\n[triage]\nnone_reason = \"ok\"\n\n[[triage.guidance]]\nid = \"g\"\n\
             severity = \"none\"\nwhen.peeling = true\nfacts = [\"sun\"]\nen = \"A\"\nes = \"B\"\n"
        ),
    ));
    let err = load_err(files);
    for needle in [
        "no none entry without rules or when for a clinic with a phone",
        "no urgent entry without rules or when for a clinic without a phone",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}
