//! The prompts no clinic can take from a patient: one unconditional, important, not reassuring
//! `warning_signs` prompt (treatment day 0–14) and `check_in` prompt (day 3–7). Narrowed
//! prompts never count together, so no depth band, area or device can fall between them.

use proptest::prelude::*;

use crate::domain::{Area, CombinedWith, Device, NeedleDepth};
use crate::protocol::content::{Anchor, Kind};
use crate::protocol::document::{ConditionsDocument, PromptDocument, ProtocolDocument};
use crate::protocol::schedule::{TreatmentInput, applies};
use crate::protocol::{FieldError, Protocol};

fn default() -> Protocol {
    Protocol::load(None).unwrap()
}

fn index(doc: &ProtocolDocument, key: &str) -> usize {
    doc.prompts.iter().position(|p| p.key == key).unwrap()
}

/// Asserts `doc` is refused with an error on `field` saying `needle`.
#[track_caller]
fn refused(doc: &ProtocolDocument, field: &str, needle: &str) -> Vec<FieldError> {
    let errs = match default().with_document("clinic-1", doc) {
        Ok(_) => panic!("accepted: {doc:#?}"),
        Err(e) => e,
    };
    assert!(
        errs.iter()
            .any(|e| e.field == field && e.message.contains(needle)),
        "no {field:?} saying {needle:?} in {errs:#?}"
    );
    errs
}

/// A copy of prompt `i` under another key, with `edit` applied.
fn sibling(
    doc: &ProtocolDocument,
    i: usize,
    key: &str,
    edit: fn(&mut PromptDocument),
) -> PromptDocument {
    let mut p = doc.prompts[i].clone();
    p.key = key.into();
    edit(&mut p);
    p
}

#[test]
fn the_default_keeps_both() {
    let doc = default().document();
    for (key, kind) in [
        ("day7_warning_signs", "warning_signs"),
        ("day5_check_in", "check_in"),
    ] {
        let p = &doc.prompts[index(&doc, key)];
        assert_eq!(p.kind, kind);
        assert_eq!(p.anchor, "treatment");
        assert_eq!(p.conditions, ConditionsDocument::default());
        assert!(p.important && p.ack_window_minutes.is_some() && !p.reassuring);
    }
    default().with_document("clinic-1", &doc).unwrap();
}

#[test]
fn depth_bands_with_a_gap_are_refused() {
    // The hostile trial: two warning-signs prompts, one up to 1.0 mm and one from 1.05 mm,
    // left a 1.02 mm treatment without warning signs.
    let base = default().document();
    let w = index(&base, "day7_warning_signs");
    let mut doc = base.clone();
    doc.prompts[w].conditions.max_depth_mm = Some(1.0);
    doc.prompts
        .push(sibling(&doc, w, "day7_warning_signs_deep", |p| {
            p.conditions.max_depth_mm = None;
            p.conditions.min_depth_mm = Some(1.05);
        }));
    let errs = refused(
        &doc,
        &format!("prompts[{w}].conditions"),
        "must be left empty",
    );
    assert!(
        errs[0].message.contains("when to call the clinic"),
        "{errs:#?}"
    );
    // Bands that meet are refused too: only an unconditional prompt counts.
    let last = doc.prompts.len() - 1;
    doc.prompts[last].conditions.min_depth_mm = Some(1.0);
    refused(
        &doc,
        &format!("prompts[{w}].conditions"),
        "must be left empty",
    );
    // Narrowed warning signs beside an unconditional one are the clinic's to add.
    doc.prompts
        .push(sibling(&base, w, "day7_warning_signs_all", |_| {}));
    let built = default().with_document("clinic-1", &doc).unwrap();
    let t = treatment(Area::Face, 1.02, Device::Pen, false, false);
    assert!(
        built
            .prompts()
            .iter()
            .any(|p| p.kind == Kind::WarningSigns && applies(&p.when, &t))
    );
}

#[test]
fn the_unconditional_warning_signs_stay_important_and_not_reassuring() {
    let base = default().document();
    let w = index(&base, "day7_warning_signs");
    let at = |f: &str| format!("prompts[{w}].{f}");
    let mut doc = base.clone();
    doc.prompts[w].important = false;
    doc.prompts[w].ack_window_minutes = None;
    let errs = refused(&doc, &at("important"), "must stay on");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let mut doc = base.clone();
    doc.prompts[w].reassuring = true;
    refused(
        &doc,
        &at("reassuring"),
        "held back while an urgent check-in is open",
    );
    // Every failing field is named at once.
    let mut doc = base.clone();
    doc.prompts[w].reassuring = true;
    doc.prompts[w].important = false;
    doc.prompts[w].ack_window_minutes = None;
    doc.prompts[w].conditions.areas = Some(vec!["face".into()]);
    let errs = refused(&doc, &at("reassuring"), "must be off");
    let fields: Vec<String> = errs.iter().map(|e| e.field.clone()).collect();
    assert_eq!(
        fields,
        [at("conditions"), at("important"), at("reassuring")]
    );
    // The closest candidate is named, not every one.
    doc.prompts
        .push(sibling(&base, w, "day7_warning_signs_face", |p| {
            p.conditions.areas = Some(vec!["face".into()]);
        }));
    let errs = refused(
        &doc,
        &format!("prompts[{}].conditions", doc.prompts.len() - 1),
        "",
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
}

#[test]
fn warning_signs_must_be_kept_on_the_treatment_within_two_weeks() {
    let base = default().document();
    let w = index(&base, "day7_warning_signs");
    let mut doc = base.clone();
    doc.prompts.retain(|p| p.kind != "warning_signs");
    refused(&doc, "prompts", "must keep a warning_signs prompt");
    for edit in [
        (|p: &mut PromptDocument| p.kind = "aftercare".into()) as fn(&mut PromptDocument),
        |p| p.day = 15,
        |p| {
            p.anchor = "course".into();
            p.day = 7;
        },
    ] {
        let mut doc = base.clone();
        edit(&mut doc.prompts[w]);
        refused(&doc, "prompts", "day 0–14, that every patient gets");
    }
    // Day 0 and day 14 are the edges.
    for day in [0, 14] {
        let mut doc = base.clone();
        doc.prompts[w].day = day;
        default().with_document("clinic-1", &doc).unwrap();
    }
}

#[test]
fn the_check_in_is_kept_like_the_warning_signs() {
    let base = default().document();
    let c = index(&base, "day5_check_in");
    let at = |f: &str| format!("prompts[{c}].{f}");
    let mut doc = base.clone();
    doc.prompts.retain(|p| p.kind != "check_in");
    refused(
        &doc,
        "prompts",
        "must keep a check_in prompt on the treatment, day 3–7",
    );
    for day in [2, 8] {
        let mut doc = base.clone();
        doc.prompts[c].day = day;
        refused(&doc, "prompts", "check_in");
    }
    for day in [3, 7] {
        let mut doc = base.clone();
        doc.prompts[c].day = day;
        default().with_document("clinic-1", &doc).unwrap();
    }
    let mut doc = base.clone();
    doc.prompts[c].conditions.devices = Some(vec!["pen".into()]);
    refused(&doc, &at("conditions"), "how their skin is healing");
    let mut doc = base.clone();
    doc.prompts[c].important = false;
    doc.prompts[c].ack_window_minutes = None;
    refused(&doc, &at("important"), "must stay on");
    let mut doc = base.clone();
    doc.prompts[c].reassuring = true;
    refused(&doc, &at("reassuring"), "must be off");
}

fn treatment(area: Area, mm: f64, device: Device, prp: bool, last: bool) -> TreatmentInput {
    TreatmentInput {
        id: String::new(),
        performed_at: chrono::DateTime::UNIX_EPOCH,
        areas: vec![area],
        depth: NeedleDepth::parse(mm).unwrap(),
        device,
        combined_with: if prp { vec![CombinedWith::Prp] } else { vec![] },
        session_number: if last { 3 } else { 1 },
        planned_sessions: 3,
        interval_weeks: 4,
    }
}

/// Random conditions, each present or not.
fn conditions() -> impl Strategy<Value = ConditionsDocument> {
    (
        proptest::option::of(proptest::sample::subsequence(
            vec!["face", "neck", "scalp"],
            1..=2,
        )),
        proptest::option::of(50u32..=250),
        proptest::option::of(50u32..=250),
        proptest::option::of(proptest::sample::subsequence(vec!["pen", "roller"], 1..=1)),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(areas, lo, hi, devices, prp)| {
            let (lo, hi) = match (lo, hi) {
                (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                other => other,
            };
            ConditionsDocument {
                areas: areas.map(|l| l.into_iter().map(String::from).collect()),
                min_depth_mm: lo.map(|v| f64::from(v) / 100.0),
                max_depth_mm: hi.map(|v| f64::from(v) / 100.0),
                devices: devices.map(|l| l.into_iter().map(String::from).collect()),
                prp,
                course: None,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the clinic does to the kept prompts' conditions and however many narrowed
    /// copies it adds, an accepted document warns and checks in on every treatment.
    #[test]
    fn an_accepted_document_reaches_every_treatment(
        warn in proptest::option::of(conditions()),
        check in proptest::option::of(conditions()),
        copies in proptest::collection::vec(conditions(), 0..4),
        mm in 50u32..=250,
        area in proptest::sample::select(Area::ALL.to_vec()),
        device in proptest::sample::select(Device::ALL.to_vec()),
        prp in any::<bool>(),
        last in any::<bool>(),
    ) {
        let mut doc = default().document();
        let w = index(&doc, "day7_warning_signs");
        let c = index(&doc, "day5_check_in");
        for (j, cond) in copies.into_iter().enumerate() {
            let mut p = doc.prompts[if j % 2 == 0 { w } else { c }].clone();
            p.key = format!("narrowed_{j}");
            p.conditions = cond;
            doc.prompts.push(p);
        }
        doc.prompts[w].conditions = warn.unwrap_or_default();
        doc.prompts[c].conditions = check.unwrap_or_default();
        let Ok(built) = default().with_document("clinic-1", &doc) else {
            return Ok(());
        };
        let t = treatment(area, f64::from(mm) / 100.0, device, prp, last);
        for (kind, days) in [(Kind::WarningSigns, 0..=14), (Kind::CheckIn, 3..=7)] {
            prop_assert!(built.prompts().iter().any(|p| {
                p.kind == kind
                    && p.anchor == Anchor::Treatment
                    && days.contains(&p.day)
                    && p.important
                    && !p.reassuring
                    && applies(&p.when, &t)
            }), "no {kind:?} for {t:?}");
        }
    }
}
