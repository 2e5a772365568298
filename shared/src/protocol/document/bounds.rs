//! How far a clinic may tune the default's check-in triage (issue 29: "warning-sign rules
//! cannot be removed or weakened"):
//!
//! - every rule of the default, exactly once, and no other;
//! - a severity is never lowered (an urgent rule stays urgent; a routine one may become urgent);
//! - an urgent rule (the warning signs) may only be widened, so it fires on at least every
//!   check-in it fired on before: each minimum at or below the default's, each maximum at or
//!   above, `symptoms_any` keeping every symptom of the default, no condition the default lacks
//!   (a condition may be left out: that widens it too, but never all of them);
//! - a routine rule keeps exactly its conditions, each bound within [`ROUTINE_STEP`] of the
//!   default's.
//!
//! Bounds are inclusive, scores 0–10 and days 0–30 (a check-in's treatment day).

use std::collections::BTreeSet;

use super::{CheckInWhenDocument, FieldError, TriageDocument};
use crate::domain::{Severity, Symptom};
use crate::protocol::triage::{Band, CheckInConditions, Trend, TriageRule};

/// How far a routine rule's bound may move from the default's, either way.
pub const ROUTINE_STEP: i32 = 2;
const SCORES: (i32, i32) = (0, 10);
const DAYS: (i32, i32) = (0, 30);

/// The document's rules, built on the default's (reason and facts stay the default's), in
/// the document's order; every problem pushed to `errors`.
pub(super) fn rules(
    default: &[TriageRule],
    doc: &TriageDocument,
    errors: &mut Vec<FieldError>,
) -> Vec<TriageRule> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, r) in doc.rules.iter().enumerate() {
        let path = format!("triage.rules[{i}]");
        let mut err = |field: &str, msg: String| {
            errors.push(FieldError::new(format!("{path}.{field}"), msg));
        };
        let Some(base) = default.iter().find(|d| d.id == r.id) else {
            let ids: Vec<&str> = default.iter().map(|d| d.id.as_str()).collect();
            err(
                "id",
                format!("{:?} is not a triage rule ({})", r.id, ids.join(", ")),
            );
            continue;
        };
        if !seen.insert(base.id.as_str()) {
            err("id", format!("{:?} appears more than once", r.id));
            continue;
        }
        let severity = match Severity::parse(&r.severity) {
            Some(s @ (Severity::Routine | Severity::Urgent)) => Some(s),
            _ => {
                err("severity", "must be routine or urgent".into());
                None
            }
        };
        if severity.is_some_and(|s| s < base.severity) {
            err(
                "severity",
                format!(
                    "cannot be lowered from {}: a warning-sign rule stays urgent",
                    base.severity
                ),
            );
        }
        let when = parse(&r.when, &mut err);
        let before = errors.len();
        if let Some(when) = &when {
            let mut err = |field: &str, msg: String| {
                errors.push(FieldError::new(format!("{path}.when.{field}"), msg));
            };
            if base.severity == Severity::Urgent {
                widened_only(&base.when, when, &mut err);
            } else {
                tuned_only(&base.when, when, &mut err);
            }
            if when.is_empty() {
                errors.push(FieldError::new(
                    format!("{path}.when"),
                    "has no conditions: the rule would fire on every check-in",
                ));
            }
        }
        if let (Some(severity), Some(when), true) = (severity, when, errors.len() == before) {
            out.push(TriageRule {
                severity,
                when,
                ..base.clone()
            });
        }
    }
    for d in default.iter().filter(|d| !seen.contains(d.id.as_str())) {
        errors.push(FieldError::new(
            "triage.rules",
            format!(
                "rule {:?} is missing: every rule of the default stays (tune it instead)",
                d.id
            ),
        ));
    }
    out
}

/// The check-in conditions of a document, each bound in its range.
fn parse(
    doc: &CheckInWhenDocument,
    err: &mut impl FnMut(&str, String),
) -> Option<CheckInConditions> {
    let mut ok = true;
    let mut band = |name: &str, min: Option<i32>, max: Option<i32>, range: (i32, i32)| {
        for (end, v) in [("min", min), ("max", max)] {
            if let Some(v) = v.filter(|v| !(range.0..=range.1).contains(v)) {
                ok = false;
                err(
                    &format!("when.{name}_{end}"),
                    format!("{v} is outside {}–{}", range.0, range.1),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                ok = false;
                err(&format!("when.{name}_min"), format!("is above {name}_max"));
            }
        }
        Band { min, max }
    };
    let day = band("day", doc.day_min, doc.day_max, DAYS);
    let redness = band("redness", doc.redness_min, doc.redness_max, SCORES);
    let swelling = band("swelling", doc.swelling_min, doc.swelling_max, SCORES);
    let pain = band("pain", doc.pain_min, doc.pain_max, SCORES);
    let symptoms_any = doc.symptoms_any.as_ref().map(|list| {
        if list.is_empty() {
            ok = false;
            err("when.symptoms_any", "must not be empty".into());
        }
        list.iter()
            .enumerate()
            .filter_map(|(j, s)| {
                let parsed = Symptom::parse(s);
                if parsed.is_none() {
                    ok = false;
                    err(
                        &format!("when.symptoms_any[{j}]"),
                        format!("unknown symptom {s:?}"),
                    );
                }
                parsed
            })
            .collect::<Vec<_>>()
    });
    let redness_trend = match doc.redness_trend.as_deref() {
        None => None,
        Some("rising") => Some(Trend::Rising),
        Some("falling") => Some(Trend::Falling),
        Some(other) => {
            ok = false;
            err(
                "when.redness_trend",
                format!("unknown trend {other:?} (rising or falling)"),
            );
            None
        }
    };
    ok.then_some(CheckInConditions {
        day,
        redness,
        swelling,
        pain,
        peeling: doc.peeling,
        symptoms_any,
        redness_trend,
    })
}

/// The four bands of a rule by their document names.
fn bands(c: &CheckInConditions) -> [(&'static str, Band); 4] {
    [
        ("day", c.day),
        ("redness", c.redness),
        ("swelling", c.swelling),
        ("pain", c.pain),
    ]
}

fn widened_only(
    base: &CheckInConditions,
    now: &CheckInConditions,
    err: &mut impl FnMut(&str, String),
) {
    const WHY: &str = "a warning-sign rule may only be widened";
    for ((name, b), (_, n)) in bands(base).into_iter().zip(bands(now)) {
        for (end, bv, nv, widens) in [
            ("min", b.min, n.min, (|n, b| n <= b) as fn(i32, i32) -> bool),
            ("max", b.max, n.max, |n, b| n >= b),
        ] {
            match (bv, nv) {
                (None, Some(_)) => err(&format!("{name}_{end}"), format!("cannot be added: {WHY}")),
                (Some(bv), Some(nv)) if !widens(nv, bv) => err(
                    &format!("{name}_{end}"),
                    format!(
                        "must be {} the default's {bv}: {WHY}",
                        if end == "min" { "at most" } else { "at least" }
                    ),
                ),
                _ => {}
            }
        }
    }
    for (name, b, n) in [
        (
            "peeling",
            base.peeling.map(u8::from),
            now.peeling.map(u8::from),
        ),
        (
            "redness_trend",
            base.redness_trend.map(|t| t as u8),
            now.redness_trend.map(|t| t as u8),
        ),
    ] {
        match (b, n) {
            (None, Some(_)) => err(name, format!("cannot be added: {WHY}")),
            (Some(b), Some(n)) if b != n => err(name, format!("cannot be changed: {WHY}")),
            _ => {}
        }
    }
    match (&base.symptoms_any, &now.symptoms_any) {
        (None, Some(_)) => err("symptoms_any", format!("cannot be added: {WHY}")),
        (Some(b), Some(n)) => {
            let missing: Vec<&str> = b
                .iter()
                .filter(|s| !n.contains(s))
                .map(|s| s.as_str())
                .collect();
            if !missing.is_empty() {
                err(
                    "symptoms_any",
                    format!("must keep every symptom of the default (missing: {})", {
                        missing.join(", ")
                    }),
                );
            }
        }
        _ => {}
    }
}

fn tuned_only(
    base: &CheckInConditions,
    now: &CheckInConditions,
    err: &mut impl FnMut(&str, String),
) {
    const WHY: &str = "a routine rule keeps its conditions";
    for ((name, b), (_, n)) in bands(base).into_iter().zip(bands(now)) {
        let range = if name == "day" { DAYS } else { SCORES };
        for (end, bv, nv) in [("min", b.min, n.min), ("max", b.max, n.max)] {
            let field = format!("{name}_{end}");
            match (bv, nv) {
                (None, Some(_)) => err(&field, format!("cannot be added: {WHY}")),
                (Some(bv), None) => err(
                    &field,
                    format!("must stay ({WHY}; tune it within {ROUTINE_STEP} of {bv})"),
                ),
                (Some(bv), Some(nv)) if (nv - bv).abs() > ROUTINE_STEP => err(
                    &field,
                    format!(
                        "must be within {ROUTINE_STEP} of the default's {bv} ({}–{})",
                        (bv - ROUTINE_STEP).max(range.0),
                        (bv + ROUTINE_STEP).min(range.1)
                    ),
                ),
                _ => {}
            }
        }
    }
    if base.peeling != now.peeling {
        err("peeling", format!("cannot be changed: {WHY}"));
    }
    if base.redness_trend != now.redness_trend {
        err("redness_trend", format!("cannot be changed: {WHY}"));
    }
    if base.symptoms_any != now.symptoms_any {
        err("symptoms_any", format!("cannot be changed: {WHY}"));
    }
}
