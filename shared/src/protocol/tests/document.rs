//! A clinic's protocol document: the default exports and re-applies unchanged, any valid
//! document round-trips, and every validation rule names its field by JSON path.

use proptest::prelude::*;

use crate::protocol::document::{
    ClinicInstruction, ConditionsDocument, PromptDocument, ProtocolDocument, TextDocument,
    TextsDocument,
};
use crate::protocol::{FieldError, Protocol};

fn default() -> Protocol {
    Protocol::load(None).unwrap()
}

fn apply(doc: &ProtocolDocument) -> Result<Protocol, Vec<FieldError>> {
    default().with_document("clinic-1", doc)
}

/// The errors of a document that must be refused.
fn errors(doc: &ProtocolDocument) -> Vec<FieldError> {
    match apply(doc) {
        Ok(_) => panic!("accepted: {doc:#?}"),
        Err(e) => e,
    }
}

/// Asserts one error names `field` and says `needle`.
#[track_caller]
fn assert_error(errs: &[FieldError], field: &str, needle: &str) {
    assert!(
        errs.iter()
            .any(|e| e.field == field && e.message.contains(needle)),
        "no {field:?} saying {needle:?} in {errs:#?}"
    );
}

fn index(doc: &ProtocolDocument, key: &str) -> usize {
    doc.prompts.iter().position(|p| p.key == key).unwrap()
}

#[test]
fn the_default_document_applies_to_the_same_protocol() {
    let p = default();
    let doc = p.document();
    assert_eq!(doc.prompts.len(), p.prompts().len());
    let rebook = &doc.prompts[index(&doc, "rebook")];
    assert_eq!(
        rebook.anchor, "course",
        "interval_end is `course` in a document"
    );
    assert_eq!(rebook.conditions.course.as_deref(), Some("continuing"));
    let d5 = &doc.prompts[index(&doc, "day5_check_in")];
    assert_eq!((d5.important, d5.ack_window_minutes), (true, Some(240)));
    assert_eq!(d5.time, "09:00");
    assert!(doc.triage.rules.iter().any(|r| r.id == "warning_sign"));
    let built = apply(&doc).unwrap();
    assert_eq!(built.version(), "clinic-1");
    assert_eq!(built.document(), doc);
    // The JSON shape: codes as strings, absent conditions left out.
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["prompts"][0]["conditions"], serde_json::json!({}));
    let back: ProtocolDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc);
    // Plans are the default's too.
    let req = super::Req::new(
        chrono_tz::Europe::Madrid,
        super::treatment("2026-03-02T10:00:00Z"),
    );
    assert_eq!(req.run(&built), req.run(&p));
}

#[test]
fn a_clinic_instruction_replaces_the_facts() {
    let mut doc = default().document();
    let i = index(&doc, "day2_gentle_products");
    doc.prompts[i].facts.clear();
    doc.prompts[i].clinic_instruction = Some(ClinicInstruction {
        clinician: "  Dr Ana Ruiz ".into(),
    });
    doc.prompts[i].texts.en.body = "No retinol for five days.".into();
    let built = apply(&doc).unwrap();
    let def = built
        .prompts()
        .iter()
        .find(|p| p.key == "day2_gentle_products")
        .unwrap();
    assert_eq!(def.clinic_instruction.as_deref(), Some("Dr Ana Ruiz"));
    assert!(def.facts.is_empty());
    // Neither: refused on `facts`.
    doc.prompts[i].clinic_instruction = None;
    assert_error(
        &errors(&doc),
        &format!("prompts[{i}].facts"),
        "clinic_instruction",
    );
    for name in ["", "   ", &"x".repeat(121)] {
        doc.prompts[i].clinic_instruction = Some(ClinicInstruction {
            clinician: name.to_owned(),
        });
        assert_error(
            &errors(&doc),
            &format!("prompts[{i}].clinic_instruction.clinician"),
            "1–120",
        );
    }
    for (name, needle) in [
        ("\u{200B}\u{200D}", "has no visible text"),
        (" \u{2800}\u{3164} ", "has no visible text"),
        ("Dr\nRuiz", "control character"),
    ] {
        doc.prompts[i].clinic_instruction = Some(ClinicInstruction {
            clinician: name.to_owned(),
        });
        assert_error(
            &errors(&doc),
            &format!("prompts[{i}].clinic_instruction.clinician"),
            needle,
        );
    }
    // The longest name, trimmed first, passes.
    doc.prompts[i].clinic_instruction = Some(ClinicInstruction {
        clinician: format!("  {}  ", "x".repeat(120)),
    });
    apply(&doc).unwrap();
}

#[test]
fn every_prompt_rule_names_its_field() {
    type Edit = fn(&mut PromptDocument);
    let cases: &[(Edit, &str, &str)] = &[
        (|p| p.key = "Day 2".into(), "key", "lower-case"),
        (|p| p.kind = "gossip".into(), "kind", "unknown kind"),
        (
            |p| p.anchor = "interval_end".into(),
            "anchor",
            "unknown anchor",
        ),
        (|p| p.day = 731, "day", "outside 0 to 730"),
        (|p| p.day = -1, "day", "outside 0 to 730"),
        (
            |p| {
                p.anchor = "booking".into();
                p.day = -31;
            },
            "day",
            "outside -30 to -1",
        ),
        (
            |p| {
                p.anchor = "booking".into();
                p.day = 0;
            },
            "day",
            "outside -30 to -1",
        ),
        (
            |p| {
                p.anchor = "course".into();
                p.day = 61;
            },
            "day",
            "outside 0 to 60",
        ),
        (|p| p.time = "9:00".into(), "time", "HH:MM"),
        (|p| p.time = "24:00".into(), "time", "HH:MM"),
        (
            |p| p.conditions.areas = Some(vec!["face".into(), "elbow".into()]),
            "conditions.areas[1]",
            "unknown area",
        ),
        (
            |p| p.conditions.areas = Some(vec![]),
            "conditions.areas",
            "must not be empty",
        ),
        (
            |p| p.conditions.devices = Some(vec!["laser".into()]),
            "conditions.devices[0]",
            "unknown device",
        ),
        (
            |p| p.conditions.min_depth_mm = Some(0.4),
            "conditions.min_depth_mm",
            "0.5–2.5 mm",
        ),
        (
            |p| p.conditions.max_depth_mm = Some(2.6),
            "conditions.max_depth_mm",
            "0.5–2.5 mm",
        ),
        (
            |p| {
                p.conditions.min_depth_mm = Some(2.0);
                p.conditions.max_depth_mm = Some(1.0);
            },
            "conditions.min_depth_mm",
            "above max_depth_mm",
        ),
        (
            |p| p.conditions.course = Some("sometimes".into()),
            "conditions.course",
            "continuing or final",
        ),
        (
            |p| p.texts.es.body = "  ".into(),
            "texts.es.body",
            "must not be empty",
        ),
        (
            |p| p.texts.en.title = "".into(),
            "texts.en.title",
            "must not be empty",
        ),
        (
            |p| p.texts.en.title = "t".repeat(81),
            "texts.en.title",
            "longer than 80",
        ),
        (
            |p| p.texts.es.body = "b".repeat(601),
            "texts.es.body",
            "longer than 600",
        ),
        (
            |p| p.texts.es.body = "Tu cita es el {session_date}".into(),
            "texts.es.body",
            "unknown placeholder {session_date}",
        ),
        (
            |p| p.texts.en.body = "Use {cream}".into(),
            "texts.en.body",
            "unknown placeholder {cream}",
        ),
        (
            |p| p.texts.en.body = "A lone { brace".into(),
            "texts.en.body",
            "not part of a placeholder",
        ),
        (
            |p| p.texts.en.body = "A lone } brace".into(),
            "texts.en.body",
            "not part of a placeholder",
        ),
        (
            |p| p.texts.en.body = "Empty {} braces".into(),
            "texts.en.body",
            "not part of a placeholder",
        ),
        (
            |p| p.texts.en.title = "Two\nlines".into(),
            "texts.en.title",
            "control character",
        ),
        (
            |p| p.texts.en.title = "Tab\there".into(),
            "texts.en.title",
            "control character",
        ),
        (
            |p| p.texts.es.body = "Línea\u{7}".into(),
            "texts.es.body",
            "control character",
        ),
        (
            |p| p.texts.en.title = "\u{200B}\u{200B}".into(),
            "texts.en.title",
            "has no visible text",
        ),
        (
            |p| p.texts.es.title = "\u{2800}".into(),
            "texts.es.title",
            "has no visible text",
        ),
        (
            |p| p.texts.en.body = "\u{3164} \u{FEFF}\n\t\u{00AD}\u{2060}\u{202E}\u{FFA0}".into(),
            "texts.en.body",
            "has no visible text",
        ),
        (|p| p.key = "k".repeat(65), "key", "longer than 64"),
        (
            |p| p.important = true,
            "ack_window_minutes",
            "required for an important prompt",
        ),
        (
            |p| p.ack_window_minutes = Some(60),
            "ack_window_minutes",
            "not important",
        ),
        (
            |p| {
                p.important = true;
                p.ack_window_minutes = Some(4);
            },
            "ack_window_minutes",
            "outside 5–1440",
        ),
        (
            |p| {
                p.important = true;
                p.ack_window_minutes = Some(1441);
            },
            "ack_window_minutes",
            "outside 5–1440",
        ),
        (
            |p| p.facts = vec!["sun".into(), "nope".into()],
            "facts[1]",
            "not a known fact",
        ),
        (
            |p| p.key = "day0_expected".into(),
            "key",
            "also the key of prompts[0]",
        ),
        (
            |p| p.key = "urgent_check_in_received".into(),
            "key",
            "check-in follow-up",
        ),
    ];
    let base = default().document();
    let i = index(&base, "day2_gentle_products");
    for (edit, field, needle) in cases {
        let mut doc = base.clone();
        edit(&mut doc.prompts[i]);
        assert_error(&errors(&doc), &format!("prompts[{i}].{field}"), needle);
    }
    // A placeholder of the right anchor, a body on two lines, and both window bounds pass.
    let mut doc = base.clone();
    doc.prompts[i].texts.en.body = "Session {session_number} of {planned_sessions}.\nRest.".into();
    for m in [5, 1440] {
        doc.prompts[i].important = true;
        doc.prompts[i].ack_window_minutes = Some(m);
        apply(&doc).unwrap();
    }
    // A 64-character key, and visible text beside invisible characters, pass.
    doc.prompts[i].key = "k".repeat(64);
    doc.prompts[i].texts.es.title = "\u{200B}Sol\u{200D}".into();
    apply(&doc).unwrap();
}

#[test]
fn a_body_keeps_tabs_and_its_line_breaks_as_newlines() {
    let mut doc = default().document();
    let i = index(&doc, "day2_gentle_products");
    // A console text area sends CRLF; an old editor sends CR alone.
    doc.prompts[i].texts.en.body = "First:\r\n\tno retinol\r\tno acids\r\n".into();
    doc.prompts[i].texts.es.body = "Uno\r\n\r\nDos".into();
    let built = apply(&doc).unwrap();
    let def = built
        .prompts()
        .iter()
        .find(|p| p.key == "day2_gentle_products")
        .unwrap();
    assert_eq!(def.en.body, "First:\n\tno retinol\n\tno acids");
    assert_eq!(def.es.body, "Uno\n\nDos");
    // The document as kept is what was built, and builds the same.
    doc.prompts[i].texts.es.title = "  Sin retinol ".into();
    doc.prompts[i].clinic_instruction = Some(ClinicInstruction {
        clinician: "\tDra. Ruiz  ".into(),
    });
    let built = apply(&doc).unwrap();
    let kept = doc.clone().normalised();
    assert_eq!(
        kept.prompts[i].texts.en.body,
        "First:\n\tno retinol\n\tno acids"
    );
    assert_eq!(kept.prompts[i].texts.es.title, "Sin retinol");
    let clinician = kept.prompts[i].clinic_instruction.as_ref().unwrap();
    assert_eq!(clinician.clinician, "Dra. Ruiz");
    assert_eq!(built.document(), kept);
    assert_eq!(apply(&kept).unwrap().document(), kept);
    // The length counts a CRLF once.
    doc.prompts[i].texts.en.body = "ab\r\n".repeat(200);
    apply(&doc).unwrap();
}

#[test]
fn the_document_rules_name_the_prompts_list() {
    let base = default().document();
    // The warning signs and the check-in stay (tests/document_kept.rs).
    let mut doc = base.clone();
    doc.prompts.retain(|p| p.kind != "warning_signs");
    assert_error(&errors(&doc), "prompts", "warning_signs");
    // At most 300 prompts.
    let mut doc = base.clone();
    let template = doc.prompts[index(&doc, "day2_gentle_products")].clone();
    while doc.prompts.len() <= 300 {
        let mut p = template.clone();
        p.key = format!("extra_{}", doc.prompts.len());
        doc.prompts.push(p);
    }
    assert_error(&errors(&doc), "prompts", "at most 300");
    doc.prompts.truncate(300);
    assert_eq!(apply(&doc).unwrap().prompts().len(), 300);
    // Dropping a prompt that peeling brings forward drops it from the bring-forward rule.
    let mut doc = base;
    doc.prompts.retain(|p| p.key != "day3_dry_peeling");
    let built = apply(&doc).unwrap();
    assert!(built.adaptations().bring_forward.is_empty());
    assert!(!default().adaptations().bring_forward.is_empty());
}

#[test]
fn unknown_fields_in_the_json_are_refused() {
    let mut json = serde_json::to_value(default().document()).unwrap();
    json["prompts"][0]["colour"] = "red".into();
    let err = serde_json::from_value::<ProtocolDocument>(json).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

// ---- the round trip over random valid documents ----------------------------------------------

fn text(max: usize) -> impl Strategy<Value = String> {
    // Printable, trimmed, no braces (placeholders are added separately).
    proptest::string::string_regex(&format!("[A-Za-záéíóúñ¿?.,!' ]{{0,{max}}}"))
        .unwrap()
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn prompt_doc() -> impl Strategy<Value = PromptDocument> {
    let anchor = prop_oneof![
        (Just("treatment"), 0..=730i32),
        (Just("booking"), -30..=-1i32),
        (Just("course"), 0..=60i32)
    ];
    let conditions = (
        proptest::option::of(proptest::sample::subsequence(
            vec!["face", "neck", "chest", "hands", "back", "legs", "scalp"],
            1..=3,
        )),
        proptest::option::of(prop_oneof![Just(0.5), Just(1.0), Just(1.5)]),
        proptest::option::of(prop_oneof![Just(1.5), Just(2.0), Just(2.5)]),
        proptest::option::of(proptest::sample::subsequence(
            vec!["pen", "roller", "stamp"],
            1..=2,
        )),
        proptest::option::of(any::<bool>()),
        proptest::option::of(prop_oneof![Just("continuing"), Just("final")]),
    )
        .prop_map(
            |(areas, min, max, devices, prp, course)| ConditionsDocument {
                areas: areas.map(|l| l.into_iter().map(String::from).collect()),
                min_depth_mm: min,
                max_depth_mm: max,
                devices: devices.map(|l| l.into_iter().map(String::from).collect()),
                prp,
                course: course.map(String::from),
            },
        );
    let kinds = proptest::sample::select(crate::domain::PromptKind::ALL.to_vec());
    (
        anchor,
        kinds,
        (0u32..24, 0u32..60),
        conditions,
        proptest::option::of(5i64..=1440),
        any::<bool>(),
        (text(80), text(560), text(80), text(560)),
        prop_oneof![
            proptest::sample::subsequence(vec!["sun", "course", "channels"], 1..=2)
                .prop_map(|f| (f, None)),
            text(120).prop_map(|c| (vec![], Some(c))),
        ],
    )
        .prop_map(
            |((anchor, day), kind, (h, m), conditions, ack, reassuring, texts, facts)| {
                let placeholder = if anchor == "booking" {
                    " {session_date}"
                } else {
                    " {planned_sessions}"
                };
                PromptDocument {
                    key: String::new(),
                    kind: kind.as_str().to_owned(),
                    anchor: anchor.to_owned(),
                    day,
                    time: format!("{h:02}:{m:02}"),
                    conditions,
                    important: ack.is_some(),
                    ack_window_minutes: ack,
                    reassuring,
                    texts: TextsDocument {
                        en: TextDocument {
                            title: texts.0,
                            body: format!("{}{placeholder}", texts.1),
                        },
                        es: TextDocument {
                            title: texts.2,
                            body: texts.3,
                        },
                    },
                    facts: facts.0.into_iter().map(String::from).collect(),
                    clinic_instruction: facts.1.map(|clinician| ClinicInstruction { clinician }),
                }
            },
        )
}

fn document() -> impl Strategy<Value = ProtocolDocument> {
    let base = default().document();
    (proptest::collection::vec(prompt_doc(), 0..12), 0usize..4).prop_map(move |(extra, drop)| {
        let mut doc = base.clone();
        // Keep the warning signs and the check-in; drop a few others; add the random ones.
        let mut dropped = 0;
        doc.prompts.retain(|p| {
            let go = !["warning_signs", "check_in"].contains(&p.kind.as_str()) && dropped < drop;
            dropped += usize::from(go);
            !go
        });
        for (i, mut p) in extra.into_iter().enumerate() {
            p.key = format!("clinic_{i}");
            doc.prompts.push(p);
        }
        doc
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_document_round_trips(doc in document()) {
        let built = apply(&doc).map_err(|e| TestCaseError::fail(format!("{e:#?}")))?;
        prop_assert_eq!(built.document(), doc);
        prop_assert_eq!(built.version(), "clinic-1");
    }
}
