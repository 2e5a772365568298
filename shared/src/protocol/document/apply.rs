//! A clinic's document applied to the product's default protocol: validated with the TOML
//! files' prompt rules, plus the document's own (at most [`MAX_PROMPTS`] prompts, unique keys,
//! the warning signs and the check-in kept: `kept`) and the triage bounds (`bounds`).

use std::collections::BTreeMap;

use super::{FieldError, PromptDocument, ProtocolDocument, bounds, kept};
use crate::protocol::Protocol;
use crate::protocol::adapt::BringForward;
use crate::protocol::content::{Anchor, PromptDef};
use crate::protocol::format::{TextDoc, WhenDoc};
use crate::protocol::validate::{self, RawPrompt, Surface};

/// The most prompts a clinic's protocol may have (a re-plan stays fast: see BENCHMARKS.md).
pub const MAX_PROMPTS: usize = 300;

impl Protocol {
    /// This protocol (the product's default) with a clinic's document applied: its prompts
    /// replace the default's and its triage rules' severities and thresholds replace the
    /// default's; facts, guidance and the plan's check-in rules stay the default's (a
    /// bring-forward naming a prompt the document dropped is left out). `version` is what
    /// treatments record (`clinic-3`) and the built protocol's [`Protocol::version`].
    ///
    /// # Errors
    /// Every bad entry, by JSON path (`prompts[3].texts.es.body`,
    /// `triage.rules[1].when.redness_min`), with a plain-English message: the prompt rules of
    /// the protocol files (kind and anchor codes, day ranges, `HH:MM`, condition codes and the
    /// 0.5–2.5 mm band, keys of at most 64 characters, texts 1–80/1–600 characters with
    /// something visible and only the anchor's placeholders, the acknowledgement window 5–1440
    /// minutes exactly when important, known facts or a clinician), at most 300 prompts,
    /// unique keys (not a check-in follow-up's), the prompts every patient keeps (one
    /// `warning_signs` prompt on the treatment, day 0–14, and one `check_in` prompt, day 3–7,
    /// each with no conditions, important and not reassuring: `kept`), and the triage bounds
    /// (every default rule once; a warning-sign rule stays urgent and may only be widened; a
    /// routine rule keeps its conditions, each bound within 2 of the default's).
    pub fn with_document(
        &self,
        version: &str,
        doc: &ProtocolDocument,
    ) -> Result<Protocol, Vec<FieldError>> {
        let mut errors = Vec::new();
        if doc.prompts.len() > MAX_PROMPTS {
            errors.push(FieldError::new(
                "prompts",
                format!(
                    "has {} prompts; a protocol has at most {MAX_PROMPTS}",
                    doc.prompts.len()
                ),
            ));
        }
        let reserved: BTreeMap<&str, ()> = self
            .adapt
            .follow_ups
            .iter()
            .map(|f| (f.def.key.as_str(), ()))
            .collect();
        let mut keys: BTreeMap<String, usize> = BTreeMap::new();
        let mut prompts = Vec::with_capacity(doc.prompts.len());
        for (i, p) in doc.prompts.iter().enumerate() {
            let key = p.key.trim().to_owned();
            if let Some(first) = keys.get(&key) {
                errors.push(FieldError::new(
                    format!("prompts[{i}].key"),
                    format!("{key:?} is also the key of prompts[{first}]; keys are unique"),
                ));
            } else if validate::is_code(&key) {
                keys.insert(key.clone(), i);
            }
            if reserved.contains_key(key.as_str()) {
                errors.push(FieldError::new(
                    format!("prompts[{i}].key"),
                    format!("{key:?} is the key of a check-in follow-up; choose another"),
                ));
            }
            let def = validate::prompt(Surface::Document, raw(p), &self.facts, &mut |f, m| {
                errors.push(FieldError::new(format!("prompts[{i}].{f}"), m));
            });
            prompts.extend(def);
        }
        kept::check(&doc.prompts, &mut errors);
        let rules = bounds::rules(&self.triage.rules, &doc.triage, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut built = self.clone();
        built.version = version.to_owned();
        built.adapt.bring_forward = bring_forward(&self.adapt.bring_forward, &prompts);
        built.prompts = prompts;
        built.triage.rules = rules;
        Ok(built)
    }
}

/// The default's bring-forward entries, naming only prompts the document kept on the
/// treatment anchor (the only ones peeling can move); entries left naming none are dropped.
fn bring_forward(default: &[BringForward], prompts: &[PromptDef]) -> Vec<BringForward> {
    default
        .iter()
        .filter_map(|b| {
            let kept: Vec<String> = b
                .prompts
                .iter()
                .filter(|k| {
                    prompts
                        .iter()
                        .any(|p| p.key == **k && p.anchor == Anchor::Treatment)
                })
                .cloned()
                .collect();
            (!kept.is_empty()).then(|| BringForward {
                prompts: kept,
                ..b.clone()
            })
        })
        .collect()
}

fn raw(p: &PromptDocument) -> RawPrompt {
    let c = &p.conditions;
    RawPrompt {
        key: p.key.clone(),
        kind: p.kind.clone(),
        anchor: p.anchor.clone(),
        day: p.day,
        time: p.time.clone(),
        urgent: false,
        reassuring: p.reassuring,
        important: p.important,
        ack_window_minutes: p.ack_window_minutes,
        facts: p.facts.clone(),
        clinic_instruction: p.clinic_instruction.as_ref().map(|c| c.clinician.clone()),
        when: WhenDoc {
            areas: c.areas.clone(),
            min_depth_mm: c.min_depth_mm,
            max_depth_mm: c.max_depth_mm,
            devices: c.devices.clone(),
            prp: c.prp,
            course: c.course.clone(),
        },
        en: Some(TextDoc {
            title: p.texts.en.title.clone(),
            body: p.texts.en.body.clone(),
        }),
        es: Some(TextDoc {
            title: p.texts.es.title.clone(),
            body: p.texts.es.body.clone(),
        }),
    }
}
