//! One validator for a prompt, whichever surface it comes from: the protocol's TOML files
//! (start-up errors, one line each, see [`super::content::validate_prompt`]) and a clinic's JSON
//! document (422 errors by JSON path, see [`super::document`]). It reports each problem as
//! `(field, message)`: `field` is the document's spelling relative to the prompt
//! (`texts.es.body`, `conditions.areas[1]`, `facts[0]`), which the TOML surface rewrites to its
//! own (`es.body`, `when.areas[1]`).

use std::collections::BTreeMap;

use chrono::NaiveTime;

use super::content::{
    ACK_WINDOW_MINUTES, Anchor, Conditions, CourseStage, Fact, Kind, PromptDef, Text,
};
use super::format::{TextDoc, WhenDoc};
use crate::domain::{Area, Device, NeedleDepth};

mod text;

pub(crate) use text::{NOT_VISIBLE, is_visible, tidy, tidy_body};

/// Push titles and bodies must fit a notification (and, with placeholders filled, the push
/// providers' 4096-byte payloads: see [`super::safety`]).
pub const MAX_TITLE: usize = 80;
pub const MAX_BODY: usize = 600;
/// A clinician's name as a clinic writes it.
pub const MAX_CLINICIAN: usize = 120;
/// A prompt key (stored with every planned prompt and named in logs and audits).
pub const MAX_KEY: usize = 64;

/// Where a prompt comes from; the surfaces spell the course anchor differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Surface {
    /// `shared/protocol/v1/*.toml`: the course anchor is `interval_end`.
    Toml,
    /// A clinic's JSON document: the course anchor is `course`.
    Document,
}

impl Surface {
    pub(super) fn anchor(self, s: &str) -> Option<Anchor> {
        match (self, s) {
            (_, "treatment") => Some(Anchor::Treatment),
            (_, "booking") => Some(Anchor::Booking),
            (Surface::Toml, "interval_end") | (Surface::Document, "course") => {
                Some(Anchor::IntervalEnd)
            }
            _ => None,
        }
    }

    pub(super) fn anchor_name(self, a: Anchor) -> &'static str {
        match (self, a) {
            (_, Anchor::Treatment) => "treatment",
            (_, Anchor::Booking) => "booking",
            (Surface::Toml, Anchor::IntervalEnd) => "interval_end",
            (Surface::Document, Anchor::IntervalEnd) => "course",
        }
    }
}

/// A prompt as written, before validation (either surface converts to this).
#[derive(Debug)]
pub(super) struct RawPrompt {
    pub key: String,
    pub kind: String,
    pub anchor: String,
    pub day: i32,
    pub time: String,
    pub urgent: bool,
    pub reassuring: bool,
    pub important: bool,
    pub ack_window_minutes: Option<i64>,
    pub facts: Vec<String>,
    /// The clinician who vouches for a clinic's own instruction (documents only).
    pub clinic_instruction: Option<String>,
    pub when: WhenDoc,
    pub en: Option<TextDoc>,
    pub es: Option<TextDoc>,
}

/// Whether a prompt key is well formed: lower-case letters, digits and underscores.
pub(super) fn is_code(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks one prompt, reporting every problem as `(field, message)`; the prompt when there
/// is none.
pub(super) fn prompt(
    surface: Surface,
    raw: RawPrompt,
    facts: &BTreeMap<String, Fact>,
    report: &mut dyn FnMut(&str, String),
) -> Option<PromptDef> {
    let mut ok = true;
    let mut err = |field: &str, msg: String| {
        ok = false;
        report(field, msg);
    };
    let key = tidy(&raw.key);
    if !is_code(&key) {
        err(
            "key",
            "must be lower-case letters, digits and underscores".into(),
        );
    }
    if key.chars().count() > MAX_KEY {
        err("key", format!("is longer than {MAX_KEY} characters"));
    }
    let kind = Kind::parse(&raw.kind);
    if kind.is_none() {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        err(
            "kind",
            format!("unknown kind {:?} ({})", raw.kind, known.join(", ")),
        );
    }
    let anchor = surface.anchor(&raw.anchor);
    match anchor {
        None => err(
            "anchor",
            format!(
                "unknown anchor {:?} (treatment, booking or {})",
                raw.anchor,
                surface.anchor_name(Anchor::IntervalEnd)
            ),
        ),
        Some(a) if !a.days().contains(&raw.day) => err(
            "day",
            format!(
                "{} is outside {} to {} for the {} anchor",
                raw.day,
                a.days().start(),
                a.days().end(),
                surface.anchor_name(a)
            ),
        ),
        Some(_) => {}
    }
    let time = (raw.time.len() == 5)
        .then(|| NaiveTime::parse_from_str(&raw.time, "%H:%M").ok())
        .flatten();
    if time.is_none() {
        err("time", format!("{:?} is not HH:MM", raw.time));
    }
    let clinician = raw.clinic_instruction.as_deref().map(str::trim);
    if let Some(name) = clinician {
        const FIELD: &str = "clinic_instruction.clinician";
        let n = name.chars().count();
        if n == 0 || n > MAX_CLINICIAN {
            err(
                FIELD,
                format!("must be 1–{MAX_CLINICIAN} characters: the clinician who vouches for it"),
            );
        } else if !is_visible(name) {
            err(FIELD, format!("{NOT_VISIBLE}: write the clinician's name"));
        }
        if name.chars().any(char::is_control) {
            err(
                FIELD,
                "contains a control character (a name is one line)".into(),
            );
        }
    }
    if raw.facts.is_empty() && clinician.is_none() {
        let msg = match surface {
            Surface::Toml => "names no docs/FACTS.md line it rests on (facts = [...])",
            Surface::Document => {
                "name at least one fact it rests on, or give a clinic_instruction naming the \
                 clinician who vouches for it"
            }
        };
        err("facts", msg.into());
    }
    for (i, f) in raw.facts.iter().enumerate() {
        if !facts.contains_key(f) {
            err(&format!("facts[{i}]"), format!("{f:?} is not a known fact"));
        }
    }
    let ack_window = match (raw.important, raw.ack_window_minutes) {
        (true, Some(m)) if ACK_WINDOW_MINUTES.contains(&m) => Some(chrono::Duration::minutes(m)),
        (true, Some(m)) => {
            err(
                "ack_window_minutes",
                format!(
                    "{m} is outside {}–{}",
                    ACK_WINDOW_MINUTES.start(),
                    ACK_WINDOW_MINUTES.end()
                ),
            );
            None
        }
        (true, None) => {
            err(
                "ack_window_minutes",
                "is required for an important prompt".into(),
            );
            None
        }
        (false, Some(_)) => {
            err(
                "ack_window_minutes",
                "is given but the prompt is not important".into(),
            );
            None
        }
        (false, None) => None,
    };
    let when = conditions(&raw.when, &mut err);
    let mut texts = |locale: &str, t: Option<TextDoc>| -> Option<Text> {
        let Some(t) = t else {
            err(&format!("texts.{locale}"), "is missing".into());
            return None;
        };
        Some(Text {
            title: text::check(surface, anchor, locale, "title", &t.title, &mut err),
            body: text::check(surface, anchor, locale, "body", &t.body, &mut err),
        })
    };
    let en = texts("en", raw.en);
    let es = texts("es", raw.es);
    if !ok {
        return None;
    }
    Some(PromptDef {
        key,
        kind: kind?,
        anchor: anchor?,
        day: raw.day,
        time: time?,
        urgent: raw.urgent,
        reassuring: raw.reassuring,
        important: raw.important,
        ack_window,
        facts: raw.facts,
        clinic_instruction: clinician.map(str::to_owned),
        when: when?,
        en: en?,
        es: es?,
    })
}

/// The `{name}` placeholders of a text, strictly: `Err` when a `{` or `}` is not part of one.
pub(super) fn placeholders(text: &str) -> Result<Vec<&str>, ()> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err(());
        }
        let after = &rest[i + 1..];
        let end = after.find(['{', '}']).ok_or(())?;
        if !after[end..].starts_with('}') || end == 0 {
            return Err(());
        }
        names.push(&after[..end]);
        rest = &after[end + 1..];
    }
    Ok(names)
}

fn conditions(doc: &WhenDoc, err: &mut impl FnMut(&str, String)) -> Option<Conditions> {
    let mut ok = true;
    let mut codes =
        |name: &str, list: &Option<Vec<String>>, what: &str, valid: &dyn Fn(&str) -> bool| {
            if let Some(list) = list {
                if list.is_empty() {
                    ok = false;
                    err(
                        &format!("conditions.{name}"),
                        "must not be empty (leave it out to mean any)".into(),
                    );
                }
                for (i, code) in list.iter().enumerate() {
                    if !valid(code) {
                        ok = false;
                        err(
                            &format!("conditions.{name}[{i}]"),
                            format!("unknown {what} {code:?}"),
                        );
                    }
                }
            }
        };
    codes("areas", &doc.areas, "area", &|a| Area::parse(a).is_some());
    codes("devices", &doc.devices, "device", &|d| {
        Device::parse(d).is_some()
    });
    for (name, depth) in [
        ("min_depth_mm", doc.min_depth_mm),
        ("max_depth_mm", doc.max_depth_mm),
    ] {
        if let Some(depth) = depth {
            if NeedleDepth::parse(depth).is_err() {
                ok = false;
                err(
                    &format!("conditions.{name}"),
                    format!(
                        "{depth} mm is outside the {}–{} mm band",
                        NeedleDepth::MIN_MM,
                        NeedleDepth::MAX_MM
                    ),
                );
            }
        }
    }
    if let (Some(lo), Some(hi)) = (doc.min_depth_mm, doc.max_depth_mm) {
        if lo > hi {
            ok = false;
            err("conditions.min_depth_mm", "is above max_depth_mm".into());
        }
    }
    let course = match doc.course.as_deref() {
        None => None,
        Some("continuing") => Some(CourseStage::Continuing),
        Some("final") => Some(CourseStage::Final),
        Some(other) => {
            ok = false;
            err(
                "conditions.course",
                format!("unknown course stage {other:?} (continuing or final)"),
            );
            None
        }
    };
    ok.then(|| Conditions {
        areas: doc
            .areas
            .as_ref()
            .map(|l| l.iter().filter_map(|a| Area::parse(a)).collect()),
        min_depth_mm: doc.min_depth_mm,
        max_depth_mm: doc.max_depth_mm,
        devices: doc
            .devices
            .as_ref()
            .map(|l| l.iter().filter_map(|d| Device::parse(d)).collect()),
        prp: doc.prp,
        course,
    })
}
