//! The check-in part of the protocol files (`[triage]` and `[adapt]`, in `triage.toml`):
//! validated once at start like the prompts, every problem named by file and rule.

use std::collections::{BTreeMap, BTreeSet};

use super::adapt::Adaptations;
use super::adapt_content::adaptations;
use super::content::{Fact, PromptDef, placeholders};
use super::format::{AdaptDoc, CheckInWhenDoc, GuidanceDoc, RuleDoc, TriageDoc};
use super::triage::{Band, CheckInConditions, GuidanceDef, Trend, TriageRule, TriageSet};
use crate::domain::{Severity, Symptom};

/// A guidance line is one sentence or two on a phone screen.
const MAX_GUIDANCE: usize = 300;

/// The `[triage]` and `[adapt]` tables of each file, by file name.
pub(super) type Parts = Vec<(String, Option<TriageDoc>, Option<AdaptDoc>)>;

/// Validates and merges the check-in tables of all files. `prompts` are the protocol's
/// validated prompts (follow-up keys must differ from theirs; bring-forward targets them).
pub(super) fn build(
    parts: Parts,
    facts: &BTreeMap<String, Fact>,
    prompts: &[PromptDef],
    errors: &mut Vec<String>,
) -> (TriageSet, Adaptations) {
    let mut triage = TriageSet::default();
    let mut none_reason: Option<String> = None;
    let mut guidance_docs = Vec::new();
    let mut adapt = Adaptations::default();
    let mut rule_ids = BTreeSet::new();
    let mut keys: BTreeSet<String> = prompts.iter().map(|p| p.key.clone()).collect();
    let mut any_triage = false;
    for (file, t, a) in parts {
        let mut errs = Vec::new();
        if let Some(t) = t {
            any_triage = true;
            if let Some(r) = t.none_reason {
                if none_reason.is_some() {
                    errs.push("triage.none_reason is given in more than one file".into());
                }
                check_code("triage.none_reason", &r, &mut errs);
                none_reason = Some(r);
            }
            for doc in t.rules {
                if !rule_ids.insert(doc.id.clone()) {
                    errs.push(format!("triage rule {:?}: id is used twice", doc.id));
                }
                if let Some(rule) = rule(doc, facts, &mut errs) {
                    triage.rules.push(rule);
                }
            }
            guidance_docs.extend(t.guidance.into_iter().map(|g| (file.clone(), g)));
        }
        if let Some(a) = a {
            adaptations(a, facts, prompts, &mut keys, &mut adapt, &mut errs);
        }
        errors.extend(errs.into_iter().map(|e| format!("{file}: {e}")));
    }
    let mut guidance_ids = BTreeSet::new();
    for (file, doc) in guidance_docs {
        let mut errs = Vec::new();
        if !guidance_ids.insert(doc.id.clone()) {
            errs.push(format!("triage guidance {:?}: id is used twice", doc.id));
        }
        if let Some(g) = guidance(doc, facts, &triage.rules, &mut errs) {
            triage.guidance.push(g);
        }
        errors.extend(errs.into_iter().map(|e| format!("{file}: {e}")));
    }
    if !any_triage {
        errors.push("no file has the check-in triage rules ([triage], e.g. triage.toml)".into());
    } else {
        if rule_ids.is_empty() {
            errors.push("no file gives triage rules ([[triage.rules]])".into());
        }
        match none_reason {
            Some(r) => triage.none_reason = r,
            None => errors.push("no file gives triage.none_reason".into()),
        }
        check_fallbacks(&triage.guidance, errors);
    }
    (triage, adapt)
}

fn rule(
    doc: RuleDoc,
    facts: &BTreeMap<String, Fact>,
    errs: &mut Vec<String>,
) -> Option<TriageRule> {
    let before = errs.len();
    let label = format!("triage rule {:?}", doc.id);
    check_code(&label, &doc.id, errs);
    check_code(&format!("{label}: reason"), &doc.reason, errs);
    let severity = Severity::parse(&doc.severity);
    if !matches!(severity, Some(Severity::Routine | Severity::Urgent)) {
        errs.push(format!(
            "{label}: severity {:?} must be routine or urgent",
            doc.severity
        ));
    }
    check_facts(&label, &doc.facts, facts, errs);
    let when = conditions(&label, &doc.when, errs);
    if when.as_ref().is_some_and(CheckInConditions::is_empty) {
        errs.push(format!(
            "{label}: has no conditions (when); it would fire on every check-in"
        ));
    }
    (errs.len() == before).then_some(())?;
    Some(TriageRule {
        id: doc.id,
        severity: severity?,
        reason: doc.reason,
        facts: doc.facts,
        when: when?,
    })
}

fn guidance(
    doc: GuidanceDoc,
    facts: &BTreeMap<String, Fact>,
    rules: &[TriageRule],
    errs: &mut Vec<String>,
) -> Option<GuidanceDef> {
    let before = errs.len();
    let label = format!("triage guidance {:?}", doc.id);
    check_code(&label, &doc.id, errs);
    let severity = Severity::parse(&doc.severity);
    if severity.is_none() {
        errs.push(format!(
            "{label}: severity {:?} must be none, routine or urgent",
            doc.severity
        ));
    }
    for id in &doc.rules {
        match rules.iter().find(|r| r.id == *id) {
            None => errs.push(format!("{label}: rule {id:?} is not a triage rule")),
            Some(r) if Some(r.severity) != severity => errs.push(format!(
                "{label}: rule {id:?} is {}, so this entry would never show",
                r.severity
            )),
            Some(_) => {}
        }
    }
    check_facts(&label, &doc.facts, facts, errs);
    let when = conditions(&label, &doc.when, errs);
    let mut text = |locale: &str, t: Option<String>| -> String {
        let t = t.map(|t| t.trim().to_owned()).unwrap_or_default();
        if t.is_empty() {
            errs.push(format!("{label}: has no {locale} text"));
        } else if !super::validate::is_visible(&t) {
            errs.push(format!(
                "{label}: {locale} text {}",
                super::validate::NOT_VISIBLE
            ));
        }
        if t.chars().count() > MAX_GUIDANCE {
            errs.push(format!(
                "{label}: {locale} text is longer than {MAX_GUIDANCE} characters"
            ));
        }
        for name in placeholders(&t) {
            if name != "clinic_phone" || doc.clinic_phone != Some(true) {
                errs.push(format!(
                    "{label}: {locale} text uses {{{name}}} (only {{clinic_phone}}, and only \
                     with clinic_phone = true)"
                ));
            }
        }
        t
    };
    let en = text("en", doc.en);
    let es = text("es", doc.es);
    (errs.len() == before).then_some(())?;
    Some(GuidanceDef {
        id: doc.id,
        severity: severity?,
        rules: doc.rules,
        clinic_phone: doc.clinic_phone,
        when: when?,
        facts: doc.facts,
        en,
        es,
    })
}

/// Guidance is never empty: each severity has lines that need nothing but the severity, for
/// a clinic with a phone and for one without.
fn check_fallbacks(guidance: &[GuidanceDef], errors: &mut Vec<String>) {
    for severity in Severity::ALL {
        for phone in [true, false] {
            let covered = guidance.iter().any(|g| {
                g.severity == *severity
                    && g.rules.is_empty()
                    && g.when.is_empty()
                    && g.clinic_phone.is_none_or(|want| want == phone)
            });
            if !covered {
                errors.push(format!(
                    "triage guidance: no {severity} entry without rules or when for a clinic {} \
                     a phone number",
                    if phone { "with" } else { "without" }
                ));
            }
        }
    }
}

fn conditions(
    label: &str,
    doc: &CheckInWhenDoc,
    errs: &mut Vec<String>,
) -> Option<CheckInConditions> {
    let before = errs.len();
    let mut band = |name: &str, min: Option<i32>, max: Option<i32>, range: (i32, i32)| {
        for v in [min, max].into_iter().flatten() {
            if !(range.0..=range.1).contains(&v) {
                errs.push(format!(
                    "{label}: when.{name} {v} is outside {}–{}",
                    range.0, range.1
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                errs.push(format!("{label}: when.{name}_min is above when.{name}_max"));
            }
        }
        Band { min, max }
    };
    let day = band("day", doc.day_min, doc.day_max, (0, 730));
    let redness = band("redness", doc.redness_min, doc.redness_max, (0, 10));
    let swelling = band("swelling", doc.swelling_min, doc.swelling_max, (0, 10));
    let pain = band("pain", doc.pain_min, doc.pain_max, (0, 10));
    let symptoms_any = doc.symptoms_any.as_ref().map(|list| {
        if list.is_empty() {
            errs.push(format!("{label}: when.symptoms_any is empty"));
        }
        list.iter()
            .filter_map(|s| {
                let parsed = Symptom::parse(s);
                if parsed.is_none() {
                    errs.push(format!(
                        "{label}: unknown symptom {s:?} in when.symptoms_any"
                    ));
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
            errs.push(format!(
                "{label}: unknown when.redness_trend {other:?} (rising or falling)"
            ));
            None
        }
    };
    (errs.len() == before).then_some(CheckInConditions {
        day,
        redness,
        swelling,
        pain,
        peeling: doc.peeling,
        symptoms_any,
        redness_trend,
    })
}

pub(super) fn check_facts(
    label: &str,
    named: &[String],
    facts: &BTreeMap<String, Fact>,
    errs: &mut Vec<String>,
) {
    if named.is_empty() {
        errs.push(format!(
            "{label}: names no docs/FACTS.md line it rests on (facts = [...])"
        ));
    }
    for f in named {
        if !facts.contains_key(f) {
            errs.push(format!("{label}: fact {f:?} is not in any [facts] table"));
        }
    }
}

/// Ids and reason codes are stored and shown to clinics: lower-case letters, digits and `_`.
pub(super) fn check_code(label: &str, code: &str, errs: &mut Vec<String>) {
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        errs.push(format!(
            "{label}: {code:?} must be lower-case letters, digits and underscores"
        ));
    }
}
