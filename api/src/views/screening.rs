//! Bodies of the pre-visit screening (docs/CONTRACT.md `POST /v1/me/screenings`) and its rows in
//! the patient record (`GET /v1/clinic/patients/{id}` → `screenings`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::care::screenings::{NOTES_MAX_CHARS, Screening, ScreeningForm};
use shared::domain::{BookingId, Contraindication, ScreeningId};
use shared::time::to_utc;
use shared::{Error, FieldError};

/// What applies to the patient now, before their booked session. Only a JSON object is an
/// answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "serde_json::Map<String, Value>")]
pub struct CreateScreening {
    /// Contraindication codes that apply now; `[]` for none of them. Repeated codes count once.
    #[schema(value_type = Vec<Contraindication>)]
    pub contraindications: Option<Value>,
    /// Anything else the clinic should know, at most 1,000 characters; blank is none.
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub notes: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningObject {
    contraindications: Option<Value>,
    notes: Option<Value>,
}

impl TryFrom<serde_json::Map<String, Value>> for CreateScreening {
    type Error = serde_json::Error;

    fn try_from(map: serde_json::Map<String, Value>) -> Result<Self, Self::Error> {
        let o: ScreeningObject = serde_json::from_value(Value::Object(map))?;
        Ok(Self {
            contraindications: o.contraindications,
            notes: o.notes,
        })
    }
}

impl CreateScreening {
    /// Every invalid or missing field is reported at once (422): an unknown code names its
    /// position (`contraindications[2]`) without echoing it (it may be health text).
    pub fn parse(&self) -> Result<ScreeningForm, Error> {
        let mut errors = Vec::new();
        let mut codes = Vec::new();
        match &self.contraindications {
            None => errors.push(FieldError::new(
                "contraindications",
                "is required ([] for none)",
            )),
            Some(Value::Array(list)) => {
                let known: Vec<&str> = Contraindication::ALL.iter().map(|c| c.as_str()).collect();
                for (i, item) in list.iter().enumerate() {
                    match item.as_str().and_then(Contraindication::parse) {
                        Some(c) if !codes.contains(&c) => codes.push(c),
                        Some(_) => {}
                        None => errors.push(FieldError::new(
                            format!("contraindications[{i}]"),
                            format!("is not a known code; known: {}", known.join(", ")),
                        )),
                    }
                }
            }
            Some(_) => errors.push(FieldError::new(
                "contraindications",
                "must be a list of contraindication codes",
            )),
        }
        let notes = match &self.notes {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                crate::validate::optional_multiline_text(Some(s), NOTES_MAX_CHARS).unwrap_or_else(
                    |m| {
                        errors.push(FieldError::new("notes", m));
                        None
                    },
                )
            }
            Some(_) => {
                errors.push(FieldError::new("notes", "must be text"));
                None
            }
        };
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(ScreeningForm {
            contraindications: codes,
            notes,
        })
    }
}

/// The answer as recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreeningCreated {
    pub id: ScreeningId,
    /// The booked session it is about.
    pub booking_id: BookingId,
    /// Whether anything was reported: the clinic sees the flag on the booking.
    pub flagged: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Screening> for ScreeningCreated {
    fn from(s: Screening) -> Self {
        Self {
            id: s.id,
            booking_id: s.booking_id,
            flagged: s.flagged,
            created_at: to_utc(s.created_at),
        }
    }
}

/// A pre-visit screening in the patient record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordScreening {
    pub id: ScreeningId,
    pub booking_id: BookingId,
    #[schema(value_type = Vec<Contraindication>)]
    pub contraindications: Vec<String>,
    /// The patient's words; null when none (or after erasure).
    pub notes: Option<String>,
    pub flagged: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Screening> for PatientRecordScreening {
    fn from(s: Screening) -> Self {
        Self {
            contraindications: super::record::codes(&s.contraindications),
            id: s.id,
            booking_id: s.booking_id,
            notes: s.notes,
            flagged: s.flagged,
            created_at: to_utc(s.created_at),
        }
    }
}
