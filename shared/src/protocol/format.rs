//! The TOML shape of a protocol file, as written by editors (`shared/protocol/v1/*.toml`).
//! Nothing here is trusted: [`super::content`] and [`super::checkin_content`] validate it into
//! the types the engine and triage use. Unknown fields are errors, so a typo never silently
//! drops a condition.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDoc {
    pub version: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub schedule: Option<ScheduleDoc>,
    #[serde(default)]
    pub facts: BTreeMap<String, FactDoc>,
    #[serde(default)]
    pub prompts: Vec<PromptDoc>,
    pub triage: Option<TriageDoc>,
    pub adapt: Option<AdaptDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScheduleDoc {
    /// How long after the treatment a day-0 prompt is sent at the earliest.
    pub day0_min_delay_minutes: i64,
    /// How long after the treatment a day-0 prompt is still worth sending late (a session
    /// recorded after local midnight or the next morning); 24 when absent.
    #[serde(default = "day0_relevant_hours")]
    pub day0_relevant_hours: i64,
}

fn day0_relevant_hours() -> i64 {
    24
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FactDoc {
    pub text: String,
    pub seeds: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PromptDoc {
    pub key: String,
    pub kind: String,
    #[serde(default = "default_anchor")]
    pub anchor: String,
    pub day: i32,
    pub time: String,
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub reassuring: bool,
    /// Climbs the delivery ladder when not acknowledged within `ack_window_minutes`.
    #[serde(default)]
    pub important: bool,
    pub ack_window_minutes: Option<i64>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub when: WhenDoc,
    /// Why the wording is what it is (e.g. where seeds differ); not shown to patients.
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
    pub en: Option<TextDoc>,
    pub es: Option<TextDoc>,
}

fn default_anchor() -> String {
    "treatment".into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WhenDoc {
    pub areas: Option<Vec<String>>,
    pub min_depth_mm: Option<f64>,
    pub max_depth_mm: Option<f64>,
    pub devices: Option<Vec<String>>,
    pub prp: Option<bool>,
    pub course: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TextDoc {
    pub title: String,
    pub body: String,
}

// ---- check-ins (triage.toml) ------------------------------------------------------------

/// `[triage]`: the rules a check-in is triaged by and what the patient reads afterwards.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriageDoc {
    pub none_reason: Option<String>,
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    #[serde(default)]
    pub guidance: Vec<GuidanceDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleDoc {
    pub id: String,
    pub severity: String,
    pub reason: String,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub when: CheckInWhenDoc,
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GuidanceDoc {
    pub id: String,
    pub severity: String,
    #[serde(default)]
    pub rules: Vec<String>,
    pub clinic_phone: Option<bool>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub when: CheckInWhenDoc,
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
    pub en: Option<String>,
    pub es: Option<String>,
}

/// Conditions on one check-in; bounds are inclusive.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckInWhenDoc {
    pub day_min: Option<i32>,
    pub day_max: Option<i32>,
    pub redness_min: Option<i32>,
    pub redness_max: Option<i32>,
    pub swelling_min: Option<i32>,
    pub swelling_max: Option<i32>,
    pub pain_min: Option<i32>,
    pub pain_max: Option<i32>,
    pub peeling: Option<bool>,
    pub symptoms_any: Option<Vec<String>>,
    pub redness_trend: Option<String>,
}

/// `[adapt]`: how triaged check-ins change the plan.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdaptDoc {
    #[serde(default)]
    pub follow_ups: Vec<FollowUpDoc>,
    #[serde(default)]
    pub bring_forward: Vec<BringForwardDoc>,
    pub hold_reassuring: Option<HoldDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FollowUpDoc {
    pub key: String,
    pub kind: String,
    pub after: String,
    pub send: String,
    pub time: Option<String>,
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub important: bool,
    pub ack_window_minutes: Option<i64>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub en: Option<TextDoc>,
    pub es: Option<TextDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BringForwardDoc {
    pub id: String,
    pub on: String,
    pub prompts: Vec<String>,
    pub time: String,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HoldDoc {
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}
