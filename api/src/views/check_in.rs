//! Bodies of the clinical loop: a patient's check-in (docs/CONTRACT.md `POST /v1/me/check-ins`) and
//! the clinic's escalation queue (`GET /v1/clinic/escalations`,
//! `POST /v1/clinic/escalations/{id}/resolve`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::care::check_ins::{CheckInForm, QueueItem, Recorded};
use shared::domain::{
    CheckInId, EscalationId, EscalationStatus, PatientId, Severity, Symptom, TriageReason, UserId,
};
use shared::time::to_utc;
use shared::{Error, FieldError};

use super::record::PatientRecordCheckIn;

/// How the skin is today. Every field is required; each invalid or missing one is reported.
/// Only a JSON object is a check-in (serde would also take a positional array).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "serde_json::Map<String, Value>")]
pub struct CreateCheckIn {
    /// 0 (none) – 10 (worst imaginable).
    #[schema(value_type = i32, minimum = 0, maximum = 10)]
    pub redness: Option<Value>,
    #[schema(value_type = i32, minimum = 0, maximum = 10)]
    pub swelling: Option<Value>,
    #[schema(value_type = i32, minimum = 0, maximum = 10)]
    pub pain: Option<Value>,
    #[schema(value_type = bool)]
    pub peeling: Option<Value>,
    /// Warning signs noticed; `[]` for none.
    #[schema(value_type = Vec<Symptom>)]
    pub symptoms: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInObject {
    redness: Option<Value>,
    swelling: Option<Value>,
    pain: Option<Value>,
    peeling: Option<Value>,
    symptoms: Option<Value>,
}

impl TryFrom<serde_json::Map<String, Value>> for CreateCheckIn {
    type Error = serde_json::Error;

    fn try_from(map: serde_json::Map<String, Value>) -> Result<Self, Self::Error> {
        let o: CheckInObject = serde_json::from_value(Value::Object(map))?;
        Ok(Self {
            redness: o.redness,
            swelling: o.swelling,
            pain: o.pain,
            peeling: o.peeling,
            symptoms: o.symptoms,
        })
    }
}

fn score(field: &str, v: &Option<Value>, errors: &mut Vec<FieldError>) -> i32 {
    match v.as_ref().and_then(Value::as_i64) {
        Some(n) if (0..=10).contains(&n) => n as i32,
        _ if v.is_none() => {
            errors.push(FieldError::new(field, "is required"));
            0
        }
        _ => {
            errors.push(FieldError::new(
                field,
                "must be a whole number from 0 to 10",
            ));
            0
        }
    }
}

impl CreateCheckIn {
    /// Every invalid or missing field is reported at once (422).
    pub fn parse(&self) -> Result<CheckInForm, Error> {
        let mut errors = Vec::new();
        let redness = score("redness", &self.redness, &mut errors);
        let swelling = score("swelling", &self.swelling, &mut errors);
        let pain = score("pain", &self.pain, &mut errors);
        let peeling = match &self.peeling {
            Some(Value::Bool(b)) => *b,
            None => {
                errors.push(FieldError::new("peeling", "is required"));
                false
            }
            Some(_) => {
                errors.push(FieldError::new("peeling", "must be true or false"));
                false
            }
        };
        let mut symptoms = Vec::new();
        match &self.symptoms {
            None => errors.push(FieldError::new("symptoms", "is required ([] for none)")),
            Some(Value::Array(list)) => {
                // One message for the field, naming the known codes; what the patient typed is
                // not echoed (it may be health text, and it would reach the logs).
                let mut unknown = false;
                for item in list {
                    match item.as_str().and_then(Symptom::parse) {
                        Some(s) if !symptoms.contains(&s) => symptoms.push(s),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    let known: Vec<&str> = Symptom::ALL.iter().map(|s| s.as_str()).collect();
                    errors.push(FieldError::new(
                        "symptoms",
                        format!("holds an unknown symptom; known: {}", known.join(", ")),
                    ));
                }
            }
            Some(_) => errors.push(FieldError::new(
                "symptoms",
                "must be a list of symptom codes",
            )),
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(CheckInForm {
            redness,
            swelling,
            pain,
            peeling,
            symptoms,
        })
    }
}

/// The check-in as recorded, with what the patient should do now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInCreated {
    pub id: CheckInId,
    /// Days since the treatment (the patient's local dates).
    pub day: i32,
    /// What to do now, in the patient's language; `urgent` tells them to contact the clinic.
    pub guidance: Vec<String>,
    /// Whether the clinic was told (an escalation was opened).
    pub escalated: bool,
    pub severity: Severity,
}

impl From<Recorded> for CheckInCreated {
    fn from(r: Recorded) -> Self {
        Self {
            id: r.check_in.id,
            day: r.check_in.day.unwrap_or(0),
            guidance: r.triage.guidance,
            escalated: r.escalation.is_some(),
            severity: r.triage.severity,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EscalationParams {
    /// Only escalations in this status; both when absent.
    #[param(value_type = Option<EscalationStatus>, inline)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::pagination::limit_param")]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The three scores of the check-in that raised an escalation, 0 (none) – 10 (worst).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Scores {
    #[schema(minimum = 0, maximum = 10)]
    pub redness: i32,
    #[schema(minimum = 0, maximum = 10)]
    pub swelling: i32,
    #[schema(minimum = 0, maximum = 10)]
    pub pain: i32,
}

/// An escalation in the clinic's queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EscalationItem {
    pub id: EscalationId,
    pub patient_id: PatientId,
    /// "Given Family"; null once the patient is erased.
    pub patient_name: Option<String>,
    /// E.164 (`+34600111222`); null when not on file or the patient is erased.
    pub patient_phone: Option<String>,
    /// The stored reason code of the triage rule that raised it (as `rule`, kept for clients
    /// of the first version).
    pub reason: String,
    /// The triage rule that raised it; null for a reason this version does not know.
    pub rule: Option<TriageReason>,
    pub severity: Severity,
    pub status: EscalationStatus,
    /// Warning signs the patient reported in the check-in that raised it.
    pub symptoms: Vec<Symptom>,
    /// The check-in's scores; null when the escalation has no check-in.
    pub scores: Option<Scores>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The id of the staff member who resolved it.
    pub resolved_by: Option<UserId>,
    /// The name of the staff member who resolved it.
    pub resolved_by_name: Option<String>,
    pub resolution_note: Option<String>,
    /// Seconds from opening to resolution; null while open.
    pub time_to_resolve_secs: Option<i64>,
    pub check_in: Option<PatientRecordCheckIn>,
}

impl From<QueueItem> for EscalationItem {
    fn from(item: QueueItem) -> Self {
        let e = item.escalation;
        Self {
            time_to_resolve_secs: e.resolved_at.map(|r| (r - e.created_at).num_seconds()),
            id: e.id,
            patient_id: e.patient_id,
            patient_name: item.patient_name,
            patient_phone: item.patient_phone,
            reason: e.reason,
            rule: item.rule,
            severity: e.severity,
            status: e.status,
            symptoms: item
                .check_in
                .as_ref()
                .map(|c| c.symptoms.0.clone())
                .unwrap_or_default(),
            scores: item.check_in.as_ref().map(|c| Scores {
                redness: c.redness,
                swelling: c.swelling,
                pain: c.pain,
            }),
            created_at: to_utc(e.created_at),
            resolved_at: e.resolved_at.map(to_utc),
            resolved_by: e.resolved_by,
            resolved_by_name: item.resolver_name,
            resolution_note: e.resolution_note,
            check_in: item.check_in.map(PatientRecordCheckIn::from),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EscalationPage {
    pub items: Vec<EscalationItem>,
    pub next_cursor: Option<String>,
}

/// Longest resolution note, in characters.
pub const NOTE_MAX: usize = 2000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveEscalation {
    /// What the clinic did (called the patient, booked a visit…); 1–2000 characters.
    pub note: String,
}
