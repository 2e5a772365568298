//! The aftercare protocol: versioned, data-driven prompt content and the rules that turn a
//! treatment into a day-by-day plan.
//!
//! - `shared/protocol/v1/*.toml` — the content: every prompt (day, local time, conditions, en/es
//!   text) and the docs/FACTS.md lines it rests on. Built into the binary; `AFTERCARE_PROTOCOL_DIR`
//!   replaces it with the `*.toml` files of a directory.
//! - `shared/protocol/v1/triage.toml` — check-in triage rules, the guidance a patient reads
//!   after a check-in, and how check-ins adapt the plan; each rule names its docs/FACTS.md lines.
//! - [`content`] — prompts and their validation (a broken file stops start-up); `format` is
//!   the TOML shape, `validate` the prompt rules (shared with clinics' documents),
//!   `checkin_content` and `adapt_content` validate the check-in tables.
//! - [`document`] — a clinic's protocol as a JSON document: exported from and applied to the
//!   default ([`Protocol::document`], [`Protocol::with_document`]); [`diff`] compares two,
//!   [`preview`] plans one for a sample treatment, [`safety`] renders every prompt of a
//!   protocol for every condition and checks the texts and push payloads.
//! - [`schedule`] — the pure schedule engine: treatment + patient + course + check-ins + now →
//!   prompt rows; [`adapt`] holds its check-in rules (follow-ups, bring forward, hold).
//! - [`triage`] — the pure triage of one check-in (where the day-5 redness check lives).
//! - [`local_time`] — wall-clock rules: DST gaps and overlaps, quiet hours.

pub mod adapt;
mod adapt_content;
mod checkin_content;
pub mod content;
pub mod diff;
pub mod document;
mod format;
pub mod local_time;
pub mod preview;
mod render;
pub mod safety;
pub mod schedule;
#[cfg(test)]
mod tests;
pub mod triage;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, anyhow};
use chrono::Duration;

pub use adapt::{Adaptations, CheckInSignal};
pub use content::{Anchor, Conditions, CourseStage, Fact, Kind, PromptDef, Text};
pub use diff::{Change, ChangeKind, FieldChange, diff};
pub use document::{FieldError, MAX_PROMPTS, ProtocolDocument, ROUTINE_STEP};
pub use preview::{PreviewInput, preview};
pub use safety::{SafetyProblem, check as safety_check};
pub use schedule::{BookingInput, PlanInput, PlannedPrompt, TreatmentInput, plan};
pub use triage::{CheckInFacts, ExpectedCeiling, PreviousCheckIn, Triage, TriageSet};
pub use validate::{MAX_BODY, MAX_CLINICIAN, MAX_KEY, MAX_TITLE};

use format::FileDoc;

/// The built-in protocol files, in load order.
const BUILTIN: &[(&str, &str)] = &[
    (
        "protocol.toml",
        include_str!("../../protocol/v1/protocol.toml"),
    ),
    ("facts.toml", include_str!("../../protocol/v1/facts.toml")),
    (
        "aftercare.toml",
        include_str!("../../protocol/v1/aftercare.toml"),
    ),
    ("course.toml", include_str!("../../protocol/v1/course.toml")),
    ("triage.toml", include_str!("../../protocol/v1/triage.toml")),
];

/// The loaded, validated protocol.
#[derive(Debug, Clone, Default)]
pub struct Protocol {
    version: String,
    day0_min_delay: Duration,
    day0_relevant: Duration,
    facts: BTreeMap<String, Fact>,
    prompts: Vec<PromptDef>,
    notes: Vec<String>,
    triage: TriageSet,
    adapt: Adaptations,
}

impl Protocol {
    /// Loads the built-in protocol, or the `*.toml` files in `dir` when given.
    pub fn load(dir: Option<&str>) -> anyhow::Result<Self> {
        match dir {
            None => Self::builtin(),
            Some(dir) => Self::from_dir(Path::new(dir)),
        }
    }

    pub fn builtin() -> anyhow::Result<Self> {
        let files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        Self::from_files(&files)
    }

    fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(anyhow!("{} holds no *.toml protocol files", dir.display()));
        }
        let files = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                Ok((p.display().to_string(), text))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Self::from_files(&files)
    }

    /// Parses and validates `(file name, TOML text)` pairs as one protocol. Every problem is
    /// reported, on one line, naming its file and prompt or rule.
    pub fn from_files(files: &[(String, String)]) -> anyhow::Result<Self> {
        let mut errors = Vec::new();
        let mut docs = Vec::new();
        for (name, text) in files {
            match toml::from_str::<FileDoc>(text) {
                Ok(doc) => docs.push((name, doc)),
                Err(e) => errors.push(format!("{name}: {}", toml_error(text, &e))),
            }
        }
        let mut version: Option<String> = None;
        let mut delay = None;
        let mut relevant = None;
        let mut facts = BTreeMap::new();
        let mut notes = Vec::new();
        let mut checkin_parts = Vec::new();
        for (name, doc) in &mut docs {
            notes.append(&mut doc.notes);
            checkin_parts.push(((*name).clone(), doc.triage.take(), doc.adapt.take()));
            if let Some(v) = doc.version.take() {
                match &version {
                    Some(seen) if *seen != v => errors.push(format!(
                        "{name}: version {v:?} differs from {seen:?} in another file"
                    )),
                    _ => version = Some(v),
                }
            }
            if let Some(s) = doc.schedule.take() {
                if delay.is_some() {
                    errors.push(format!("{name}: [schedule] is given in more than one file"));
                }
                if !(0..=720).contains(&s.day0_min_delay_minutes) {
                    errors.push(format!(
                        "{name}: schedule.day0_min_delay_minutes must be 0–720"
                    ));
                }
                if !(1..=48).contains(&s.day0_relevant_hours) {
                    errors.push(format!("{name}: schedule.day0_relevant_hours must be 1–48"));
                }
                delay = Some(Duration::minutes(s.day0_min_delay_minutes));
                relevant = Some(Duration::hours(s.day0_relevant_hours));
            }
            for (id, fact) in std::mem::take(&mut doc.facts) {
                let mut errs = Vec::new();
                match facts.entry(id) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        errs.push(format!("fact {:?} is defined twice", e.key()));
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        if let Some(f) = content::validate_fact(e.key(), fact, &mut errs) {
                            e.insert(f);
                        }
                    }
                }
                errors.extend(errs.into_iter().map(|e| format!("{name}: {e}")));
            }
        }
        let mut prompts = Vec::new();
        for (name, doc) in docs {
            for p in doc.prompts {
                let mut errs = Vec::new();
                if let Some(def) = content::validate_prompt("prompt", p, &facts, &mut errs) {
                    prompts.push((name.clone(), def));
                }
                errors.extend(errs.into_iter().map(|e| format!("{name}: {e}")));
            }
        }
        content::check_unique_keys(&prompts, &mut errors);
        let prompts: Vec<PromptDef> = prompts.into_iter().map(|(_, def)| def).collect();
        let (triage, adapt) = checkin_content::build(checkin_parts, &facts, &prompts, &mut errors);
        let version = version.filter(|v| !v.trim().is_empty());
        if version.is_none() {
            errors.push("no file states the protocol version (version = \"...\")".into());
        }
        if prompts.is_empty() && errors.is_empty() {
            errors.push("the protocol has no prompts".into());
        }
        if !errors.is_empty() {
            return Err(anyhow!("invalid protocol: {}", errors.join("; ")));
        }
        Ok(Self {
            version: version.unwrap_or_default(),
            day0_min_delay: delay.unwrap_or_else(|| Duration::minutes(30)),
            day0_relevant: relevant.unwrap_or_else(|| Duration::hours(24)),
            facts,
            prompts,
            notes,
            triage,
            adapt,
        })
    }

    /// Recorded on each treatment, so a plan can be traced to the content it came from.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn prompts(&self) -> &[PromptDef] {
        &self.prompts
    }

    pub fn facts(&self) -> &BTreeMap<String, Fact> {
        &self.facts
    }

    /// Editors' notes, e.g. where the seeds differ and which reading the content takes.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The check-in rules of the plan: follow-ups, bring forward, hold.
    pub fn adaptations(&self) -> &Adaptations {
        &self.adapt
    }

    /// The earliest a day-0 prompt goes out after the treatment ("shortly after").
    pub fn day0_min_delay(&self) -> Duration {
        self.day0_min_delay
    }

    /// How long after the treatment its day-0 prompts stay relevant: a plan made later than
    /// this (a session recorded days late) drops them as stale; a plan made sooner sends the
    /// ones whose time has passed at once, even after the treatment's local date has ended.
    pub fn day0_relevant(&self) -> Duration {
        self.day0_relevant
    }
}

/// toml's messages span several lines (with a source snippet); start-up errors are one line.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .and_then(|s| text.get(..s.start))
        .map(|before| before.matches('\n').count() + 1);
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match line {
        Some(l) => format!("line {l}: {msg}"),
        None => msg,
    }
}
