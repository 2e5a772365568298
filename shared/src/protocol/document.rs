//! A clinic's protocol as a JSON document (docs/CONTRACT.md `GET /v1/clinic/protocols/{id}`):
//! the prompts a clinic edits and the triage thresholds it may tune. The product's default
//! protocol is exported as one ([`Protocol::document`]); a clinic's document is validated against
//! the default and applied to it ([`Protocol::with_document`]), naming every bad entry by its
//! JSON path (`prompts[3].texts.es.body`).
//!
//! Codes are strings here so validation can name a bad one by its field instead of refusing
//! the whole body. The prompt rules are the TOML files' ([`super::validate`]); the triage
//! bounds are in `bounds`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod apply;
mod bounds;
mod export;
mod kept;

pub use apply::MAX_PROMPTS;
pub use bounds::ROUTINE_STEP;
pub use kept::{CHECK_IN_DAYS, WARNING_SIGNS_BY_DAY};

/// One bad entry of a document: its JSON path (`prompts[3].texts.es.body`, `triage.rules[0]`)
/// and what is wrong, in plain English.
pub use crate::error::FieldError;

/// The editable part of a protocol: every prompt, and the triage rules' thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolDocument {
    pub prompts: Vec<PromptDocument>,
    pub triage: TriageDocument,
}

impl ProtocolDocument {
    /// The document as it is kept: keys, titles and clinicians' names trimmed, bodies trimmed
    /// with `\r\n` and `\r` as `\n`, exactly as [`crate::protocol::Protocol::with_document`]
    /// reads them, so the stored document shows the clinic what its patients get. Applying it
    /// gives the same protocol as applying `self`; nothing is validated here.
    #[must_use]
    pub fn normalised(mut self) -> Self {
        use crate::protocol::validate::{tidy, tidy_body};
        for p in &mut self.prompts {
            p.key = tidy(&p.key);
            for t in [&mut p.texts.en, &mut p.texts.es] {
                t.title = tidy(&t.title);
                t.body = tidy_body(&t.body);
            }
            if let Some(c) = &mut p.clinic_instruction {
                c.clinician = tidy(&c.clinician);
            }
        }
        self
    }
}

/// One prompt of a clinic's protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptDocument {
    /// Lower-case letters, digits and underscores, at most 64 characters; unique in the
    /// document.
    pub key: String,
    /// A prompt kind code (`day0_care`, `warning_signs`, `session_reminder`, …).
    #[schema(value_type = crate::domain::PromptKind)]
    pub kind: String,
    /// What `day` counts from: `treatment` (day 0 is the treatment's local date, 0–730),
    /// `booking` (the booked session's local date, −30 to −1) or `course` (the end of the
    /// course interval when nothing is booked, 0–60).
    pub anchor: String,
    pub day: i32,
    /// Local time, `HH:MM`.
    pub time: String,
    /// Who the prompt is for; every condition given must hold.
    #[serde(default)]
    pub conditions: ConditionsDocument,
    /// Climbs the delivery ladder (push → SMS → email) when not acknowledged in time.
    #[serde(default)]
    pub important: bool,
    /// 5–1440, required when `important`, absent otherwise.
    #[serde(default)]
    pub ack_window_minutes: Option<i64>,
    /// Says that what the patient sees is normal: held while an urgent escalation is open.
    #[serde(default)]
    pub reassuring: bool,
    pub texts: TextsDocument,
    /// docs/FACTS.md fact ids the prompt rests on; may be empty only with a
    /// `clinic_instruction`.
    #[serde(default)]
    pub facts: Vec<String>,
    /// The clinic's own instruction, vouched for by a named clinician, instead of (or beside)
    /// the product's facts.
    #[serde(default)]
    pub clinic_instruction: Option<ClinicInstruction>,
}

/// Who a prompt is for (every condition given must hold; an absent one always holds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionsDocument {
    /// At least one treated area is in this list (`face`, `neck`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::domain::Area>>)]
    pub areas: Option<Vec<String>>,
    /// Needle depth band in millimetres, inclusive (0.5–2.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_depth_mm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth_mm: Option<f64>,
    /// `pen`, `roller`, `stamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::domain::Device>>)]
    pub devices: Option<Vec<String>>,
    /// Combined with PRP (true) or not (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prp: Option<bool>,
    /// `continuing` (sessions remain) or `final` (the last planned session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<String>,
}

/// A prompt's words in each language the product speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextsDocument {
    pub en: TextDocument,
    pub es: TextDocument,
}

/// A title (1–80 characters, one line) and a body (1–600 characters; it may break lines and
/// hold tabs, and `\r\n` or `\r` is kept as `\n`), both trimmed, and neither only spaces or
/// invisible characters (zero-width spaces, Braille or Hangul blanks: "has no visible text");
/// booking prompts may use `{session_date}` and `{session_time}`, the others
/// `{session_number}` and `{planned_sessions}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextDocument {
    pub title: String,
    pub body: String,
}

/// A clinic's own instruction and the clinician who vouches for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicInstruction {
    /// The clinician's name as the clinic writes it: trimmed, 1–120 characters, one line, with
    /// something visible.
    pub clinician: String,
}

/// The check-in triage rules, by the default protocol's rule ids. Every rule of the default
/// must be present; thresholds may be tuned within bounds, and a warning-sign rule (`urgent`)
/// can only be widened, never removed or weakened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageDocument {
    pub rules: Vec<TriageRuleDocument>,
}

/// One triage rule: when its conditions hold, a check-in is at least `severity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRuleDocument {
    /// A rule id of the default protocol (`warning_sign`, `redness_not_fading`, …).
    pub id: String,
    /// `routine` or `urgent`.
    #[schema(value_type = crate::domain::Severity)]
    pub severity: String,
    pub when: CheckInWhenDocument,
}

/// Conditions on a check-in (treatment day; scores 0–10, inclusive).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInWhenDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redness_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redness_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swelling_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swelling_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pain_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pain_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peeling: Option<bool>,
    /// Warning-sign symptom codes (`pus`, `fever`, …); at least one reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::domain::Symptom>>)]
    pub symptoms_any: Option<Vec<String>>,
    /// `rising` or `falling`, against the previous check-in of the same treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redness_trend: Option<String>,
}
