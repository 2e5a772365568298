//! The triage a clinic may tune: warning-sign rules stay and are never weakened, routine rules
//! move within two points of the default, and every refusal names its JSON path.

use crate::domain::{Locale, Severity, Symptom};
use crate::protocol::document::{ProtocolDocument, TriageRuleDocument};
use crate::protocol::{CheckInFacts, FieldError, Protocol};

fn default() -> Protocol {
    Protocol::load(None).unwrap()
}

fn rule<'a>(doc: &'a mut ProtocolDocument, id: &str) -> (usize, &'a mut TriageRuleDocument) {
    let i = doc.triage.rules.iter().position(|r| r.id == id).unwrap();
    (i, &mut doc.triage.rules[i])
}

#[track_caller]
fn refused(doc: &ProtocolDocument, field: &str, needle: &str) {
    let errs: Vec<FieldError> = match default().with_document("clinic-1", doc) {
        Ok(_) => panic!("accepted {:#?}", doc.triage),
        Err(e) => e,
    };
    assert!(
        errs.iter()
            .any(|e| e.field == field && e.message.contains(needle)),
        "no {field:?} saying {needle:?} in {errs:#?}"
    );
}

fn triage(p: &Protocol, day: i32, redness: i32, symptoms: Vec<Symptom>) -> Severity {
    let facts = CheckInFacts {
        day,
        redness,
        symptoms,
        ..Default::default()
    };
    p.triage(&facts, None, Locale::En, None).severity
}

#[test]
fn routine_thresholds_move_within_two_points_and_change_triage() {
    let mut doc = default().document();
    let (_, r) = rule(&mut doc, "redness_not_fading");
    assert_eq!((r.when.day_min, r.when.redness_min), (Some(5), Some(6)));
    r.when.redness_min = Some(4);
    r.when.day_min = Some(7);
    let p = default().with_document("clinic-1", &doc).unwrap();
    assert_eq!(triage(&p, 7, 4, vec![]), Severity::Routine);
    assert_eq!(
        triage(&p, 6, 9, vec![]),
        Severity::None,
        "day 6 is before day_min 7"
    );
    assert_eq!(triage(&default(), 6, 9, vec![]), Severity::Routine);
    // Routine may become urgent.
    let (_, r) = rule(&mut doc, "strong_pain");
    r.severity = "urgent".into();
    let p = default().with_document("clinic-1", &doc).unwrap();
    let pain = CheckInFacts {
        day: 2,
        pain: 8,
        ..Default::default()
    };
    assert_eq!(
        p.triage(&pain, None, Locale::En, None).severity,
        Severity::Urgent
    );
}

#[test]
fn routine_rules_keep_their_conditions_within_bounds() {
    let base = default().document();
    type Edit = fn(&mut TriageRuleDocument);
    let cases: &[(&str, Edit, &str, &str)] = &[
        (
            "redness_not_fading",
            |r| r.when.redness_min = Some(3),
            "when.redness_min",
            "within 2 of the default's 6 (4–8)",
        ),
        (
            "redness_not_fading",
            |r| r.when.redness_min = Some(9),
            "when.redness_min",
            "within 2",
        ),
        (
            "redness_not_fading",
            |r| r.when.day_min = Some(8),
            "when.day_min",
            "within 2 of the default's 5",
        ),
        (
            "redness_not_fading",
            |r| r.when.day_min = None,
            "when.day_min",
            "must stay",
        ),
        (
            "redness_not_fading",
            |r| r.when.pain_max = Some(3),
            "when.pain_max",
            "cannot be added",
        ),
        (
            "redness_not_fading",
            |r| r.when.redness_min = Some(11),
            "when.redness_min",
            "outside 0–10",
        ),
        (
            "redness_rising",
            |r| r.when.redness_trend = None,
            "when.redness_trend",
            "cannot be changed",
        ),
        (
            "redness_rising",
            |r| r.when.redness_trend = Some("falling".into()),
            "when.redness_trend",
            "cannot be changed",
        ),
        (
            "redness_rising",
            |r| r.when.redness_trend = Some("sideways".into()),
            "when.redness_trend",
            "rising or falling",
        ),
        (
            "redness_rising",
            |r| r.when.day_min = Some(31),
            "when.day_min",
            "outside 0–30",
        ),
        (
            "strong_pain",
            |r| r.when.peeling = Some(true),
            "when.peeling",
            "cannot be changed",
        ),
        (
            "strong_pain",
            |r| r.when.symptoms_any = Some(vec!["fever".into()]),
            "when.symptoms_any",
            "cannot be changed",
        ),
        (
            "strong_pain",
            |r| r.when.pain_max = Some(5),
            "when.pain_min",
            "above pain_max",
        ),
        (
            "strong_pain",
            |r| r.severity = "high".into(),
            "severity",
            "routine or urgent",
        ),
        (
            "strong_pain",
            |r| r.severity = "none".into(),
            "severity",
            "routine or urgent",
        ),
    ];
    for (id, edit, field, needle) in cases {
        let mut doc = base.clone();
        let (i, r) = rule(&mut doc, id);
        edit(r);
        refused(&doc, &format!("triage.rules[{i}].{field}"), needle);
    }
}

#[test]
fn warning_sign_rules_are_never_removed_or_weakened() {
    let base = default().document();
    // Removed, doubled, or an unknown rule.
    let mut doc = base.clone();
    doc.triage.rules.retain(|r| r.id != "warning_sign");
    refused(&doc, "triage.rules", "\"warning_sign\" is missing");
    let mut doc = base.clone();
    let copy = doc.triage.rules[0].clone();
    doc.triage.rules.push(copy);
    let last = doc.triage.rules.len() - 1;
    refused(&doc, &format!("triage.rules[{last}].id"), "more than once");
    let mut doc = base.clone();
    doc.triage.rules[0].id = "my_rule".into();
    refused(&doc, "triage.rules[0].id", "not a triage rule");
    refused(&doc, "triage.rules", "is missing");
    // Lowered, narrowed, or given a condition that narrows it.
    type Edit = fn(&mut TriageRuleDocument);
    let cases: &[(Edit, &str, &str)] = &[
        (
            |r| r.severity = "routine".into(),
            "severity",
            "cannot be lowered",
        ),
        (
            |r| r.when.symptoms_any = Some(vec!["pus".into(), "fever".into()]),
            "when.symptoms_any",
            "missing: spreading_redness, blisters, cold_sore, severe_pain",
        ),
        (|r| r.when.symptoms_any = None, "when", "no conditions"),
        (
            |r| r.when.symptoms_any = Some(vec![]),
            "when.symptoms_any",
            "must not be empty",
        ),
        (
            |r| r.when.symptoms_any.as_mut().unwrap().push("itch".into()),
            "when.symptoms_any[6]",
            "unknown symptom",
        ),
        (
            |r| r.when.day_min = Some(2),
            "when.day_min",
            "cannot be added",
        ),
        (
            |r| r.when.redness_max = Some(10),
            "when.redness_max",
            "cannot be added",
        ),
        (
            |r| r.when.peeling = Some(false),
            "when.peeling",
            "cannot be added",
        ),
        (
            |r| r.when.redness_trend = Some("rising".into()),
            "when.redness_trend",
            "cannot be added",
        ),
    ];
    let (w, _) = rule(&mut base.clone(), "warning_sign");
    for (edit, field, needle) in cases {
        let mut doc = base.clone();
        edit(&mut doc.triage.rules[w]);
        refused(&doc, &format!("triage.rules[{w}].{field}"), needle);
    }
    // Reordering the rules is fine, and so is the same rule set.
    let mut doc = base.clone();
    doc.triage.rules.reverse();
    let p = default().with_document("clinic-1", &doc).unwrap();
    assert_eq!(triage(&p, 2, 0, vec![Symptom::Fever]), Severity::Urgent);
}

#[test]
fn a_widened_warning_sign_rule_fires_on_everything_it_did() {
    use crate::protocol::triage::{Band, CheckInConditions};
    let p = default();
    let base = p
        .triage_rules()
        .rules
        .iter()
        .find(|r| r.id == "warning_sign")
        .unwrap();
    assert_eq!(base.severity, Severity::Urgent);
    // A synthetic urgent default with bands, to exercise widening both ways.
    let mut widened = base.clone();
    widened.when = CheckInConditions {
        redness: Band {
            min: Some(5),
            max: Some(8),
        },
        ..base.when.clone()
    };
    let mut p2 = p.clone();
    p2.triage.rules[0] = widened;
    let mut doc = p2.document();
    doc.triage.rules[0].when.redness_min = Some(3);
    doc.triage.rules[0].when.redness_max = None;
    let built = p2.with_document("clinic-1", &doc).unwrap();
    assert_eq!(
        built.triage_rules().rules[0].when.redness,
        Band {
            min: Some(3),
            max: None
        }
    );
    doc.triage.rules[0].when.redness_min = Some(6);
    refused_by(
        &p2,
        &doc,
        "triage.rules[0].when.redness_min",
        "at most the default's 5",
    );
    doc.triage.rules[0].when.redness_min = Some(5);
    doc.triage.rules[0].when.redness_max = Some(7);
    refused_by(
        &p2,
        &doc,
        "triage.rules[0].when.redness_max",
        "at least the default's 8",
    );
}

#[track_caller]
fn refused_by(p: &Protocol, doc: &ProtocolDocument, field: &str, needle: &str) {
    let errs = p.with_document("clinic-1", doc).err().unwrap();
    assert!(
        errs.iter()
            .any(|e| e.field == field && e.message.contains(needle)),
        "no {field:?} saying {needle:?} in {errs:#?}"
    );
}
