//! A readable comparison of two protocol documents (the console's "compare versions").

use serde::Serialize;

use super::ProtocolDocument;

/// What happened to one prompt (matched by key) or triage rule between two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One field that differs: its path inside the prompt or rule (`texts.es.body`, `day`,
/// `when.redness_min`) and both values as plain text (empty when absent).
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
    /// The fields that differ (for `changed`), or every field (for `added` and `removed`).
    pub fields: Vec<FieldChange>,
}

/// Every difference from `before` to `after`, prompts in document order, then triage rules.
pub fn diff(before: &ProtocolDocument, after: &ProtocolDocument) -> Vec<Change> {
    let _ = (before, after);
    Vec::new()
}
