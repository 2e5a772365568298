//! A refused save, shown the way staff can act on it: each finding beside its field, and a
//! summary at the top linking to each field (GOV.UK's "error summary" pattern). The document's
//! validation names findings by JSON path (`prompts[3].texts.es.body`,
//! `triage.rules[1].when.redness_min`); a page shows the part of the document it edits, so the
//! paths are read relative to it and anything else is summarised with its path.
//! Also the cleaning a posted value gets: line breaks as `\n`, and control characters dropped
//! before a value is shown again.

use shared::FieldError;

use crate::console::field_messages::localise;
use crate::console::page::{FieldErrors, texts};
use crate::console::strings::Strings;

/// One line of the error summary: the field's label and the finding, linking to the field.
pub struct SummaryLine {
    /// `#<id>` of the input, or empty when the page has no input for it.
    pub anchor: String,
    /// The field's label (or its path when the page has no input for it).
    pub label: String,
    pub message: String,
}

/// The HTML id of a field's input: its path with `.`, `[` and `]` replaced, so it is a plain
/// fragment (`texts.es.body` → `f-texts-es-body`).
pub fn input_id(field: &str) -> String {
    let mut id = String::from("f-");
    for c in field.chars() {
        match c {
            '.' | '[' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

/// A finding of the document's validation (`shared::protocol::validate`, in English) in the
/// staff member's language where the console knows its words; else as the shared parsers'
/// messages are ([`localise`]).
fn message(t: &Strings, m: &str) -> String {
    if let Some(max) = m
        .strip_prefix("is longer than ")
        .and_then(|r| r.strip_suffix(" characters"))
        .and_then(|n| n.parse::<u32>().ok())
    {
        return t.fmt("field_at_most_chars", &[("max", max.into())]);
    }
    if m.ends_with(" is not HH:MM") {
        return t.proto_msg_time.to_owned();
    }
    if m.ends_with(" is not a known fact") {
        return t.proto_msg_fact.to_owned();
    }
    if m == "contains a control character" {
        return t.field_control_chars.to_owned();
    }
    localise(t, m)
}

/// `path` without list positions after its last field: `conditions.areas[1]` →
/// `conditions.areas` (a bad area is shown at the areas' checkboxes).
fn without_positions(path: &str) -> String {
    let mut out = path.to_owned();
    while out.ends_with(']') {
        match out.rfind('[') {
            Some(i) => out.truncate(i),
            None => break,
        }
    }
    out
}

/// The findings of a save relative to `prefix` (`prompts[3].`, `""` for the whole document):
/// those under it by their path inside it (shown beside the inputs), and summary lines for
/// them and for every other finding. `label` names a field of the page (`None`: not on it).
pub fn split(
    found: Vec<FieldError>,
    prefix: &str,
    label: impl Fn(&str) -> Option<String>,
) -> (FieldErrors, Vec<SummaryLine>) {
    let t = texts();
    let mut mine = Vec::new();
    let mut summary = Vec::new();
    for e in found {
        let message = message(t, &e.message);
        let inside = if prefix.is_empty() {
            Some(e.field.as_str())
        } else {
            e.field.strip_prefix(prefix)
        };
        match inside.map(without_positions) {
            Some(field) if label(&field).is_some() => {
                let name = label(&field).unwrap_or_default();
                summary.push(SummaryLine {
                    anchor: format!("#{}", input_id(&field)),
                    label: name,
                    message: message.clone(),
                });
                mine.push(FieldError {
                    field,
                    message: message.clone(),
                });
            }
            _ => summary.push(SummaryLine {
                anchor: String::new(),
                label: e.field,
                message,
            }),
        }
    }
    (FieldErrors(mine), summary)
}

/// `\r\n` and a lone `\r` as `\n`.
pub fn one_line_break(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// `s` without control characters other than `\n` and `\t`, for showing a posted value again.
pub fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_relative_to_the_page() {
        let found = vec![
            FieldError::new("prompts[3].texts.es.body", "must not be empty"),
            FieldError::new("prompts[3].conditions.areas[1]", "unknown code \"nose\""),
            FieldError::new("prompts[0].key", "is already used"),
        ];
        let (mine, summary) = split(found, "prompts[3].", |f| {
            matches!(f, "texts.es.body" | "conditions.areas").then(|| f.to_owned())
        });
        assert!(mine.has("texts.es.body"));
        assert!(mine.has("conditions.areas"));
        assert!(!mine.has("key"));
        assert_eq!(summary.len(), 3);
        assert_eq!(summary[0].anchor, "#f-texts-es-body");
        assert!(summary[2].anchor.is_empty());
        assert_eq!(summary[2].label, "prompts[0].key");
        assert_eq!(
            input_id("triage.rules[1].when.redness_min"),
            "f-triage-rules-1-when-redness_min"
        );
    }

    #[test]
    fn line_breaks_and_control_characters() {
        assert_eq!(super::one_line_break("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(
            super::printable("a\u{0}b\u{1b}[1m\tc\nd\u{7f}"),
            "ab[1m\tc\nd"
        );
    }
}
