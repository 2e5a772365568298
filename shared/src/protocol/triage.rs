//! Check-in triage: a patient's check-in against the expected healing timeline (docs/FACTS.md,
//! "Expected recovery" and "Warning signs"), and what they read afterwards. Pure and total: no
//! clock, no database, and no input panics. The thresholds are data (`triage.toml`), not code.

use crate::domain::{Locale, Severity, Symptom};

use super::Protocol;

/// What the patient reported (docs/CONTRACT.md `POST /v1/me/check-ins`) and the day it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckInFacts {
    /// Treatment day: the patient's local date minus the treatment's local date (≥ 0).
    pub day: i32,
    /// Scores 0–10. Values outside are clamped (the caller validates; triage stays total).
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub peeling: bool,
    pub symptoms: Vec<Symptom>,
}

/// The patient's previous check-in for the same treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviousCheckIn {
    pub day: i32,
    /// 0–10, clamped like [`CheckInFacts::redness`].
    pub redness: i32,
}

/// The result of triaging one check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    /// The most severe of the rules that fired; `none` when none did.
    pub severity: Severity,
    /// Ids of every rule that fired, in protocol order (e.g. `["redness_not_fading"]`).
    pub rules: Vec<String>,
    /// A short code for the clinic: the reason of the first rule at `severity`, or the
    /// protocol's `none_reason` (e.g. `expected_healing`). Never free text about the patient.
    pub reason: String,
    /// What the patient reads, in their locale; never empty for the built-in protocol.
    pub guidance: Vec<String>,
}

/// The highest score of each kind that is expected healing on one day (see
/// [`Protocol::expected_ceiling`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedCeiling {
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
}

/// An inclusive band on one number; an absent bound always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Band {
    pub min: Option<i32>,
    pub max: Option<i32>,
}

impl Band {
    fn holds(self, v: i32) -> bool {
        self.min.is_none_or(|lo| v >= lo) && self.max.is_none_or(|hi| v <= hi)
    }

    fn is_open(self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
}

/// Redness compared with the previous check-in of the same treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Rising,
    Falling,
}

/// Conditions on a check-in. Every condition given must hold; an absent one always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckInConditions {
    pub day: Band,
    pub redness: Band,
    pub swelling: Band,
    pub pain: Band,
    pub peeling: Option<bool>,
    /// At least one of these symptoms was reported.
    pub symptoms_any: Option<Vec<Symptom>>,
    /// Needs a previous check-in from the same day or before.
    pub redness_trend: Option<Trend>,
}

impl CheckInConditions {
    /// True when nothing is required (such a rule would fire on every check-in).
    pub fn is_empty(&self) -> bool {
        self.day.is_open()
            && self.redness.is_open()
            && self.swelling.is_open()
            && self.pain.is_open()
            && self.peeling.is_none()
            && self.symptoms_any.is_none()
            && self.redness_trend.is_none()
    }

    fn holds(&self, c: &Seen<'_>) -> bool {
        let trend = self.redness_trend.is_none_or(|want| {
            c.previous_redness.is_some_and(|before| match want {
                Trend::Rising => c.redness > before,
                Trend::Falling => c.redness < before,
            })
        });
        let symptoms = self
            .symptoms_any
            .as_ref()
            .is_none_or(|any| c.symptoms.iter().any(|s| any.contains(s)));
        self.day.holds(c.day)
            && self.redness.holds(c.redness)
            && self.swelling.holds(c.swelling)
            && self.pain.holds(c.pain)
            && self.peeling.is_none_or(|p| p == c.peeling)
            && symptoms
            && trend
    }
}

/// A triage rule: when its conditions hold, the check-in is at least `severity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageRule {
    pub id: String,
    /// `routine` or `urgent` (a rule never lowers a result).
    pub severity: Severity,
    pub reason: String,
    /// facts.toml ids the rule rests on.
    pub facts: Vec<String>,
    pub when: CheckInConditions,
}

/// One line of guidance shown after a check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidanceDef {
    pub id: String,
    /// Shown only for results of this severity.
    pub severity: Severity,
    /// When not empty, shown only when one of these rules fired.
    pub rules: Vec<String>,
    /// `Some(true)`: only when the clinic has a phone number (the text may use
    /// `{clinic_phone}`); `Some(false)`: only when it has none.
    pub clinic_phone: Option<bool>,
    pub when: CheckInConditions,
    pub facts: Vec<String>,
    pub en: String,
    pub es: String,
}

impl GuidanceDef {
    pub fn text(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// The triage part of the protocol (validated at load, see `checkin_content`).
#[derive(Debug, Clone, Default)]
pub struct TriageSet {
    pub none_reason: String,
    pub rules: Vec<TriageRule>,
    pub guidance: Vec<GuidanceDef>,
}

/// A check-in as the conditions read it: scores clamped to 0–10, the day to ≥ 0, and the
/// previous redness only when that check-in is not from a later day.
struct Seen<'a> {
    day: i32,
    redness: i32,
    swelling: i32,
    pain: i32,
    peeling: bool,
    symptoms: &'a [Symptom],
    previous_redness: Option<i32>,
}

fn score(v: i32) -> i32 {
    v.clamp(0, 10)
}

impl Protocol {
    /// Triages a check-in (rules in `triage.toml`, each naming the docs/FACTS.md lines it rests on)
    /// and writes the patient's guidance in `locale`. `clinic_phone` fills `{clinic_phone}`;
    /// `None` or blank selects the texts written for a clinic without a phone. Total: any
    /// numbers give a result, never a panic.
    pub fn triage(
        &self,
        input: &CheckInFacts,
        previous: Option<PreviousCheckIn>,
        locale: Locale,
        clinic_phone: Option<&str>,
    ) -> Triage {
        let day = input.day.max(0);
        let seen = Seen {
            day,
            redness: score(input.redness),
            swelling: score(input.swelling),
            pain: score(input.pain),
            peeling: input.peeling,
            symptoms: &input.symptoms,
            previous_redness: previous
                .filter(|p| p.day.max(0) <= day)
                .map(|p| score(p.redness)),
        };
        let fired: Vec<&TriageRule> = self
            .triage
            .rules
            .iter()
            .filter(|r| r.when.holds(&seen))
            .collect();
        let severity = fired
            .iter()
            .map(|r| r.severity)
            .max()
            .unwrap_or(Severity::None);
        let reason = fired
            .iter()
            .find(|r| r.severity == severity)
            .map_or_else(|| self.triage.none_reason.clone(), |r| r.reason.clone());
        let phone = clinic_phone.map(str::trim).filter(|p| !p.is_empty());
        let guidance = self
            .triage
            .guidance
            .iter()
            .filter(|g| g.severity == severity)
            .filter(|g| g.rules.is_empty() || fired.iter().any(|r| g.rules.contains(&r.id)))
            .filter(|g| g.clinic_phone.is_none_or(|want| want == phone.is_some()))
            .filter(|g| g.when.holds(&seen))
            .map(|g| {
                g.text(locale)
                    .replace("{clinic_phone}", phone.unwrap_or_default())
            })
            .collect();
        Triage {
            severity,
            rules: fired.iter().map(|r| r.id.clone()).collect(),
            reason,
            guidance,
        }
    }

    /// The expected healing band on treatment `day`: for redness, swelling and pain, the highest
    /// score (0–10) that, reported alone (the other scores 0, no symptoms, no trend), triggers
    /// no rule. Read from the rules themselves, so the console's chart draws what triage
    /// enforces (with the built-in protocol, redness up to 10 before day 5 and up to 5 from
    /// then on: "fading by day 5", docs/FACTS.md "Expected recovery").
    pub fn expected_ceiling(&self, day: i32) -> ExpectedCeiling {
        let highest_calm = |facts: fn(i32) -> CheckInFacts| {
            (0..=10)
                .rev()
                .find(|s| {
                    let f = CheckInFacts { day, ..facts(*s) };
                    self.triage(&f, None, Locale::En, None).severity == Severity::None
                })
                .unwrap_or(0)
        };
        ExpectedCeiling {
            redness: highest_calm(|s| CheckInFacts {
                redness: s,
                ..Default::default()
            }),
            swelling: highest_calm(|s| CheckInFacts {
                swelling: s,
                ..Default::default()
            }),
            pain: highest_calm(|s| CheckInFacts {
                pain: s,
                ..Default::default()
            }),
        }
    }

    /// The triage rules and guidance, in protocol order.
    pub fn triage_rules(&self) -> &TriageSet {
        &self.triage
    }
}
