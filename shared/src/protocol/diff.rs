//! A readable comparison of two protocol documents (the console's "compare versions").

use serde::Serialize;

use super::ProtocolDocument;
use super::document::{PromptDocument, TriageRuleDocument};

/// What happened to one prompt (matched by key) or triage rule between two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One field that differs: its path inside the prompt or rule (`texts.es.body`, `day`,
/// `when.redness_min`) and both values as plain text (empty when absent): numbers as written
/// (`1.5`, `-7`), `true`/`false`, lists joined with `, ` (`face, neck`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One prompt (`subject` is its key) or triage rule (`triage:<rule id>`) that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub subject: String,
    pub kind: ChangeKind,
    /// The fields that differ (for `changed`), or every field that has a value (for `added`
    /// and `removed`), in the document's field order.
    pub fields: Vec<FieldChange>,
}

/// Every difference from `before` to `after`: prompts matched by key, in `after`'s order
/// (changed and added ones), then the removed ones in `before`'s order, then triage rules
/// matched by id the same way. Identical documents give an empty list.
pub fn diff(before: &ProtocolDocument, after: &ProtocolDocument) -> Vec<Change> {
    let mut out = compare(
        &before.prompts,
        &after.prompts,
        |p| p.key.clone(),
        prompt_fields,
    );
    out.extend(compare(
        &before.triage.rules,
        &after.triage.rules,
        |r| format!("triage:{}", r.id),
        rule_fields,
    ));
    out
}

fn compare<T>(
    before: &[T],
    after: &[T],
    subject: impl Fn(&T) -> String,
    fields: impl Fn(&T) -> Vec<(&'static str, String)>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for a in after {
        let name = subject(a);
        let after_fields = fields(a);
        match before.iter().find(|b| subject(b) == name) {
            None => out.push(Change {
                subject: name,
                kind: ChangeKind::Added,
                fields: after_fields
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(field, after)| FieldChange {
                        field: field.to_owned(),
                        before: String::new(),
                        after,
                    })
                    .collect(),
            }),
            Some(b) => {
                let changed: Vec<FieldChange> = fields(b)
                    .into_iter()
                    .zip(after_fields)
                    .filter(|((_, before), (_, after))| before != after)
                    .map(|((field, before), (_, after))| FieldChange {
                        field: field.to_owned(),
                        before,
                        after,
                    })
                    .collect();
                if !changed.is_empty() {
                    out.push(Change {
                        subject: name,
                        kind: ChangeKind::Changed,
                        fields: changed,
                    });
                }
            }
        }
    }
    for b in before {
        let name = subject(b);
        if !after.iter().any(|a| subject(a) == name) {
            out.push(Change {
                subject: name,
                kind: ChangeKind::Removed,
                fields: fields(b)
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(field, before)| FieldChange {
                        field: field.to_owned(),
                        before,
                        after: String::new(),
                    })
                    .collect(),
            });
        }
    }
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn list(v: &Option<Vec<String>>) -> String {
    v.as_ref().map(|l| l.join(", ")).unwrap_or_default()
}

/// A prompt's fields by document path, in document order (the key is the subject).
fn prompt_fields(p: &PromptDocument) -> Vec<(&'static str, String)> {
    let c = &p.conditions;
    vec![
        ("kind", p.kind.clone()),
        ("anchor", p.anchor.clone()),
        ("day", p.day.to_string()),
        ("time", p.time.clone()),
        ("conditions.areas", list(&c.areas)),
        ("conditions.min_depth_mm", opt(c.min_depth_mm)),
        ("conditions.max_depth_mm", opt(c.max_depth_mm)),
        ("conditions.devices", list(&c.devices)),
        ("conditions.prp", opt(c.prp)),
        ("conditions.course", opt(c.course.as_ref())),
        ("important", p.important.to_string()),
        ("ack_window_minutes", opt(p.ack_window_minutes)),
        ("reassuring", p.reassuring.to_string()),
        ("texts.en.title", p.texts.en.title.clone()),
        ("texts.en.body", p.texts.en.body.clone()),
        ("texts.es.title", p.texts.es.title.clone()),
        ("texts.es.body", p.texts.es.body.clone()),
        ("facts", p.facts.join(", ")),
        (
            "clinic_instruction.clinician",
            opt(p.clinic_instruction.as_ref().map(|c| &c.clinician)),
        ),
    ]
}

/// A triage rule's fields by document path (the id is the subject).
fn rule_fields(r: &TriageRuleDocument) -> Vec<(&'static str, String)> {
    let w = &r.when;
    vec![
        ("severity", r.severity.clone()),
        ("when.day_min", opt(w.day_min)),
        ("when.day_max", opt(w.day_max)),
        ("when.redness_min", opt(w.redness_min)),
        ("when.redness_max", opt(w.redness_max)),
        ("when.swelling_min", opt(w.swelling_min)),
        ("when.swelling_max", opt(w.swelling_max)),
        ("when.pain_min", opt(w.pain_min)),
        ("when.pain_max", opt(w.pain_max)),
        ("when.peeling", opt(w.peeling)),
        ("when.symptoms_any", list(&w.symptoms_any)),
        ("when.redness_trend", opt(w.redness_trend.as_ref())),
    ]
}
