//! The protocol files: what a prompt says, when, to whom, and which docs/FACTS.md lines it rests on.
//! Parsed from TOML and validated once at start; a broken file stops start-up with every
//! problem listed.

use std::collections::BTreeMap;

use chrono::NaiveTime;

use super::format::{FactDoc, PromptDoc};
use super::validate::{self, RawPrompt, Surface};
use crate::domain::{Area, Device, Locale};

/// What a prompt is for; one of the stored codes of [`crate::domain`].
pub use crate::domain::PromptKind as Kind;

/// What a prompt's `day` counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The local date of the treatment (day 0).
    Treatment,
    /// The local date of the booked next session (negative days: before it).
    Booking,
    /// The end of the course interval (treatment date + interval weeks), when nothing is booked.
    IntervalEnd,
}

impl Anchor {
    /// The days a prompt may count from this anchor.
    pub fn days(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Anchor::Treatment => 0..=730,
            Anchor::Booking => -30..=-1,
            Anchor::IntervalEnd => 0..=60,
        }
    }

    /// The placeholders a text of a prompt on this anchor may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Anchor::Booking => &["session_date", "session_time"],
            Anchor::Treatment | Anchor::IntervalEnd => &["session_number", "planned_sessions"],
        }
    }
}

/// Where in the course a treatment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseStage {
    /// Sessions remain (`session_number < planned_sessions`).
    Continuing,
    /// The final planned session.
    Final,
}

/// Who a prompt is for. Every condition given must hold; an absent one always holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// At least one treated area is in this list (e.g. makeup advice: face only).
    pub areas: Option<Vec<Area>>,
    /// Needle depth band, inclusive.
    pub min_depth_mm: Option<f64>,
    pub max_depth_mm: Option<f64>,
    pub devices: Option<Vec<Device>>,
    /// Combined with PRP (true) or not (false).
    pub prp: Option<bool>,
    pub course: Option<CourseStage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
}

/// One prompt of the protocol.
#[derive(Debug, Clone)]
pub struct PromptDef {
    pub key: String,
    pub kind: Kind,
    pub anchor: Anchor,
    pub day: i32,
    pub time: NaiveTime,
    pub urgent: bool,
    /// Tells the patient that what they see is normal; held back while an urgent check-in is
    /// open with the clinic (`adapt.hold_reassuring`).
    pub reassuring: bool,
    /// Climbs the delivery ladder (push → SMS → email) when not acknowledged within
    /// `ack_window` of a send: warning signs, the day-5 redness check, "your clinic has been
    /// told", the day-before session reminder (issue 28).
    pub important: bool,
    /// The acknowledgement window of an important prompt ([`ACK_WINDOW_MINUTES`] minutes);
    /// `None` for the others.
    pub ack_window: Option<chrono::Duration>,
    pub facts: Vec<String>,
    /// A clinic's own instruction: the clinician who vouches for it (trimmed, 1–120
    /// characters); `None` for the product's prompts, which rest on `facts`.
    pub clinic_instruction: Option<String>,
    pub when: Conditions,
    pub en: Text,
    pub es: Text,
}

impl PromptDef {
    pub fn text(&self, locale: Locale) -> &Text {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// A docs/FACTS.md bullet a prompt rests on: `text` is quoted from docs/FACTS.md (whitespace aside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub text: String,
    pub seeds: Vec<String>,
}

/// The acknowledgement window an important prompt may have, in minutes: at least five (a
/// patient needs a moment to open the app), at most a day (past that the next channel comes too
/// late to matter).
pub const ACK_WINDOW_MINUTES: std::ops::RangeInclusive<i64> = 5..=1440;

/// Checks one prompt of a TOML file, pushing every problem found to `errors` on one line each
/// (prefixed by `what`, e.g. "prompt", its key and the field: `prompt "x": es.body: ...`). The
/// rules are [`super::validate::prompt`]'s, shared with clinics' JSON documents.
pub(super) fn validate_prompt(
    what: &str,
    doc: PromptDoc,
    facts: &BTreeMap<String, Fact>,
    errors: &mut Vec<String>,
) -> Option<PromptDef> {
    let key = doc.key.trim().to_owned();
    let raw = RawPrompt {
        key: doc.key,
        kind: doc.kind,
        anchor: doc.anchor,
        day: doc.day,
        time: doc.time,
        urgent: doc.urgent,
        reassuring: doc.reassuring,
        important: doc.important,
        ack_window_minutes: doc.ack_window_minutes,
        facts: doc.facts,
        clinic_instruction: None,
        when: doc.when,
        en: doc.en,
        es: doc.es,
    };
    validate::prompt(Surface::Toml, raw, facts, &mut |field, msg| {
        errors.push(format!("{what} {key:?}: {}: {msg}", toml_field(field)));
    })
}

/// A document field as the TOML files spell it (`conditions.areas[0]` → `when.areas[0]`,
/// `texts.es.body` → `es.body`).
fn toml_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("conditions.") {
        format!("when.{rest}")
    } else if let Some(rest) = field.strip_prefix("texts.") {
        rest.to_owned()
    } else {
        field.to_owned()
    }
}

/// The `{name}` placeholders in a text.
pub(super) fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Fact ids are referenced from prompts; their texts are checked against docs/FACTS.md by a test.
pub(super) fn validate_fact(id: &str, doc: FactDoc, errors: &mut Vec<String>) -> Option<Fact> {
    let text = doc.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        errors.push(format!("fact {id:?}: text must not be empty"));
        return None;
    }
    if doc.seeds.is_empty() {
        errors.push(format!("fact {id:?}: names no seed document"));
        return None;
    }
    Some(Fact {
        text,
        seeds: doc.seeds,
    })
}

/// Every key once, across all files.
pub(super) fn check_unique_keys(prompts: &[(String, PromptDef)], errors: &mut Vec<String>) {
    let mut seen = BTreeMap::new();
    for (file, p) in prompts {
        if let Some(first) = seen.insert(p.key.as_str(), file) {
            errors.push(format!(
                "{file}: prompt {:?}: key is used twice (also in {first})",
                p.key
            ));
        }
    }
}
