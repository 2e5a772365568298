//! The protocol files: what a prompt says, when, to whom, and which docs/FACTS.md lines it rests on.
//! Parsed from TOML and validated once at start; a broken file stops start-up with every
//! problem listed.

use std::collections::BTreeMap;

use chrono::NaiveTime;

use super::format::{FactDoc, PromptDoc, TextDoc, WhenDoc};
use crate::domain::{Area, Device, Locale, NeedleDepth};

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
    fn parse(s: &str) -> Option<Self> {
        match s {
            "treatment" => Some(Anchor::Treatment),
            "booking" => Some(Anchor::Booking),
            "interval_end" => Some(Anchor::IntervalEnd),
            _ => None,
        }
    }

    fn days(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Anchor::Treatment => 0..=730,
            Anchor::Booking => -30..=-1,
            Anchor::IntervalEnd => 0..=60,
        }
    }

    fn placeholders(self) -> &'static [&'static str] {
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

/// Push titles and bodies must fit a notification.
const MAX_TITLE: usize = 80;
const MAX_BODY: usize = 600;

/// Checks one prompt, pushing every problem found to `errors` (prefixed by `what`, e.g.
/// "prompt", and its key).
pub(super) fn validate_prompt(
    what: &str,
    doc: PromptDoc,
    facts: &BTreeMap<String, Fact>,
    errors: &mut Vec<String>,
) -> Option<PromptDef> {
    let key = doc.key.trim().to_owned();
    let before = errors.len();
    let mut err = |msg: String| errors.push(format!("{what} {key:?}: {msg}"));
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        err("key must be lower-case letters, digits and underscores".into());
    }
    let kind = Kind::parse(&doc.kind);
    if kind.is_none() {
        err(format!("unknown kind {:?}", doc.kind));
    }
    let anchor = Anchor::parse(&doc.anchor);
    match anchor {
        None => err(format!("unknown anchor {:?}", doc.anchor)),
        Some(a) if !a.days().contains(&doc.day) => err(format!(
            "day {} is outside {:?} for anchor {:?}",
            doc.day,
            a.days(),
            doc.anchor
        )),
        Some(_) => {}
    }
    let time = NaiveTime::parse_from_str(&doc.time, "%H:%M").ok();
    if time.is_none() {
        err(format!("time {:?} is not HH:MM", doc.time));
    }
    if doc.facts.is_empty() {
        err("names no docs/FACTS.md line it rests on (facts = [...])".into());
    }
    for f in &doc.facts {
        if !facts.contains_key(f) {
            err(format!("fact {f:?} is not in any [facts] table"));
        }
    }
    let ack_window = match (doc.important, doc.ack_window_minutes) {
        (true, Some(m)) if ACK_WINDOW_MINUTES.contains(&m) => Some(chrono::Duration::minutes(m)),
        (true, Some(m)) => {
            err(format!(
                "ack_window_minutes {m} is outside {}–{}",
                ACK_WINDOW_MINUTES.start(),
                ACK_WINDOW_MINUTES.end()
            ));
            None
        }
        (true, None) => {
            err("is important but has no ack_window_minutes".into());
            None
        }
        (false, Some(_)) => {
            err("has ack_window_minutes but is not important".into());
            None
        }
        (false, None) => None,
    };
    let when = conditions(&doc.when, &mut err);
    let mut text = |locale: &str, t: Option<TextDoc>| -> Option<Text> {
        let Some(t) = t else {
            err(format!("has no {locale} text"));
            return None;
        };
        let (title, body) = (t.title.trim().to_owned(), t.body.trim().to_owned());
        if title.is_empty() || body.is_empty() {
            err(format!("{locale} title and body must not be empty"));
        }
        if title.chars().count() > MAX_TITLE || body.chars().count() > MAX_BODY {
            err(format!(
                "{locale} title (max {MAX_TITLE}) or body (max {MAX_BODY} characters) is too long"
            ));
        }
        if let Some(a) = anchor {
            for name in placeholders(&title).chain(placeholders(&body)) {
                if !a.placeholders().contains(&name) {
                    err(format!("{locale} text uses unknown placeholder {{{name}}}"));
                }
            }
        }
        Some(Text { title, body })
    };
    let en = text("en", doc.en);
    let es = text("es", doc.es);
    if errors.len() > before {
        return None;
    }
    Some(PromptDef {
        key,
        kind: kind?,
        anchor: anchor?,
        day: doc.day,
        time: time?,
        urgent: doc.urgent,
        reassuring: doc.reassuring,
        important: doc.important,
        ack_window,
        facts: doc.facts,
        when: when?,
        en: en?,
        es: es?,
    })
}

fn conditions(doc: &WhenDoc, err: &mut impl FnMut(String)) -> Option<Conditions> {
    let mut ok = true;
    let areas = doc.areas.as_ref().map(|list| {
        list.iter()
            .filter_map(|a| {
                let parsed = Area::parse(a);
                if parsed.is_none() {
                    ok = false;
                    err(format!("unknown area {a:?} in when.areas"));
                }
                parsed
            })
            .collect::<Vec<_>>()
    });
    let devices = doc.devices.as_ref().map(|list| {
        list.iter()
            .filter_map(|d| {
                let parsed = Device::parse(d);
                if parsed.is_none() {
                    ok = false;
                    err(format!("unknown device {d:?} in when.devices"));
                }
                parsed
            })
            .collect::<Vec<_>>()
    });
    for depth in [doc.min_depth_mm, doc.max_depth_mm].into_iter().flatten() {
        if NeedleDepth::parse(depth).is_err() {
            ok = false;
            err(format!("depth {depth} mm is outside the 0.5–2.5 mm band"));
        }
    }
    if let (Some(lo), Some(hi)) = (doc.min_depth_mm, doc.max_depth_mm) {
        if lo > hi {
            ok = false;
            err("when.min_depth_mm is above when.max_depth_mm".into());
        }
    }
    let course = match doc.course.as_deref() {
        None => None,
        Some("continuing") => Some(CourseStage::Continuing),
        Some("final") => Some(CourseStage::Final),
        Some(other) => {
            ok = false;
            err(format!(
                "unknown when.course {other:?} (continuing or final)"
            ));
            None
        }
    };
    ok.then_some(Conditions {
        areas,
        min_depth_mm: doc.min_depth_mm,
        max_depth_mm: doc.max_depth_mm,
        devices,
        prp: doc.prp,
        course,
    })
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
