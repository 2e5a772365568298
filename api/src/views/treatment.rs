//! Bodies of the course routes: `POST /v1/clinic/patients/{id}/treatments` (parsed once into
//! domain values with every invalid field reported together), `/next-session`, `/discharge`.

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use shared::care::treatments::{CourseWarning, TreatmentForm};
use shared::domain::{Area, CombinedWith, Contraindication, Device, NeedleDepth};
use shared::domain::{BookingId, PatientId, TreatmentId};
use shared::{Error, FieldError};

use super::prompt::PromptView;

/// How far in the future `performed_at` may be (clock skew between devices).
const FUTURE_SKEW_MINUTES: i64 = 5;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordTreatment {
    /// RFC 3339; not in the future.
    #[schema(value_type = String, format = DateTime)]
    pub performed_at: String,
    /// The treated areas (at least one).
    #[schema(value_type = Vec<Area>)]
    pub areas: Vec<String>,
    /// 0.5–2.5.
    pub needle_depth_mm: f64,
    #[schema(value_type = Device)]
    pub device: String,
    /// What the session was combined with; `[]` for nothing.
    #[serde(default)]
    #[schema(value_type = Vec<CombinedWith>)]
    pub combined_with: Vec<String>,
    /// 1 ≤ session_number ≤ planned_sessions.
    pub session_number: i64,
    /// 1–6 (3–6 typical).
    pub planned_sessions: i64,
    /// 3–8 weeks between sessions.
    pub interval_weeks: i64,
    /// Screening findings; non-empty requires `override_reason`.
    #[schema(value_type = Vec<Contraindication>)]
    pub contraindications: Vec<String>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
    /// The course check (a repeated or backwards session number, one past the planned count,
    /// fewer than 21 days since the last treatment, a date before it). Absent: the treatment
    /// is recorded and any warnings are listed in the answer. `false`: nothing is recorded
    /// while the check warns (409, the warnings in `detail`). `true`: recorded after the
    /// caller's user confirmed the warnings; audited.
    #[serde(default)]
    pub confirm_warnings: Option<bool>,
}

pub fn parse_time(raw: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc().trunc_subsecs(6))
}

fn parse_codes<T>(
    list: &[String],
    field: &str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Vec<T>
where
    T: PartialEq,
{
    let mut out = Vec::new();
    for raw in list {
        match parse(raw) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => errors.push(FieldError::new(field, format!("unknown code {raw:?}"))),
        }
    }
    out
}

fn optional_text(
    raw: &Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    crate::validate::optional_multiline_text(raw.as_deref(), max).unwrap_or_else(|m| {
        errors.push(FieldError::new(field, m));
        None
    })
}

impl RecordTreatment {
    /// Every invalid field is reported at once (422); `now` bounds `performed_at`.
    pub fn parse(&self, now: NaiveDateTime) -> Result<TreatmentForm, Error> {
        let mut errors = Vec::new();
        let mut err = |f: &str, m: &str| errors.push(FieldError::new(f, m));
        let performed_at = match parse_time(&self.performed_at) {
            None => {
                err("performed_at", "must be an RFC 3339 time with offset");
                None
            }
            Some(t) if t > now + Duration::minutes(FUTURE_SKEW_MINUTES) => {
                err("performed_at", "must not be in the future");
                None
            }
            Some(t) => Some(t),
        };
        let depth = NeedleDepth::parse(self.needle_depth_mm)
            .map_err(|m| err("needle_depth_mm", &m))
            .ok();
        let device = Device::parse(&self.device);
        if device.is_none() {
            err("device", "must be pen, roller or stamp");
        }
        if !(1..=6).contains(&self.planned_sessions) {
            err("planned_sessions", "must be between 1 and 6");
        }
        if self.session_number < 1 || self.session_number > self.planned_sessions.max(1) {
            err("session_number", "must be between 1 and planned_sessions");
        }
        if !(3..=8).contains(&self.interval_weeks) {
            err("interval_weeks", "must be between 3 and 8 weeks");
        }
        if self.areas.is_empty() {
            err("areas", "must name at least one treated area");
        }
        let areas = parse_codes(&self.areas, "areas", Area::parse, &mut errors);
        let combined_with = parse_codes(
            &self.combined_with,
            "combined_with",
            CombinedWith::parse,
            &mut errors,
        );
        let contraindications = parse_codes(
            &self.contraindications,
            "contraindications",
            Contraindication::parse,
            &mut errors,
        );
        let override_reason =
            optional_text(&self.override_reason, "override_reason", 1000, &mut errors);
        if !self.contraindications.is_empty() && override_reason.is_none() {
            errors.push(FieldError::new(
                "override_reason",
                "is required when contraindications are recorded",
            ));
        }
        let notes = optional_text(&self.notes, "notes", 4000, &mut errors);
        match (performed_at, depth, device) {
            (Some(performed_at), Some(depth), Some(device)) if errors.is_empty() => {
                Ok(TreatmentForm {
                    performed_at,
                    areas,
                    depth,
                    device,
                    combined_with,
                    // Ranges checked above.
                    session_number: self.session_number as i32,
                    planned_sessions: self.planned_sessions as i32,
                    interval_weeks: self.interval_weeks as i32,
                    contraindications,
                    override_reason,
                    notes,
                })
            }
            _ => Err(Error::Validation(errors)),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreatmentCreated {
    pub id: TreatmentId,
    /// The protocol the aftercare was planned with: the product's default version (`v2`) or
    /// the clinic's published version (`clinic-3`).
    pub protocol_version: String,
    /// The prompts planned for this treatment.
    pub prompts: Vec<PromptView>,
    /// What the course check warned about (recorded all the same); empty when nothing.
    pub warnings: Vec<CourseWarningView>,
}

/// What the course check warned about (`shared::care::treatments::CourseWarning::code`):
/// the session number repeats or goes backwards, goes past the planned sessions, fewer than 21
/// days since the last treatment, or a date before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseWarningCode {
    SessionRepeated,
    SessionBackwards,
    BeyondPlannedSessions,
    IntervalTooShort,
    BeforeLastTreatment,
}

/// One warning of the course check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CourseWarningView {
    #[schema(value_type = CourseWarningCode)]
    pub code: &'static str,
    /// In English, for a person.
    pub message: String,
}

impl From<&CourseWarning> for CourseWarningView {
    fn from(w: &CourseWarning) -> Self {
        let date = |at: &NaiveDateTime| at.format("%Y-%m-%d").to_string();
        let message = match w {
            CourseWarning::SessionRepeated { session, last_at } => format!(
                "session {session} was already the last treatment's session ({})",
                date(last_at)
            ),
            CourseWarning::SessionBackwards {
                session,
                last_session,
            } => format!(
                "session {session} comes before the last treatment's session {last_session}"
            ),
            CourseWarning::BeyondPlanned { session, planned } => {
                format!("session {session} goes past the {planned} sessions planned")
            }
            CourseWarning::TooSoon { days, last_at } => format!(
                "only {days} days since the last treatment ({}); sessions are 3 to 8 weeks apart",
                date(last_at)
            ),
            CourseWarning::BeforeLast { last_at } => {
                format!(
                    "dated before the last recorded treatment ({})",
                    date(last_at)
                )
            }
        };
        CourseWarningView {
            code: w.code(),
            message,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookNextSession {
    /// RFC 3339; in the future.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: String,
}

impl BookNextSession {
    /// The session's start, UTC: in the future and within two years of `now` (422 otherwise).
    pub fn parse(&self, now: NaiveDateTime) -> Result<NaiveDateTime, Error> {
        match parse_time(&self.starts_at) {
            None => Err(Error::invalid(
                "starts_at",
                "must be an RFC 3339 time with offset",
            )),
            Some(s) if s <= now => Err(Error::invalid("starts_at", "must be in the future")),
            Some(s) if s > now + Duration::days(730) => {
                Err(Error::invalid("starts_at", "must be within two years"))
            }
            Some(s) => Ok(s),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BookedSession {
    pub id: BookingId,
    /// RFC 3339 UTC.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: String,
    /// The reminders planned before it (7 days and 1 day before, local morning).
    pub reminders: Vec<PromptView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Discharged {
    pub id: PatientId,
    /// RFC 3339 UTC.
    #[schema(value_type = String, format = DateTime)]
    pub discharged_at: String,
    /// Prompts and reminders cancelled by this call.
    pub cancelled_prompts: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_course_warning_code_is_in_the_documented_enum() {
        let at = NaiveDateTime::default();
        let all = [
            CourseWarning::SessionRepeated {
                session: 1,
                last_at: at,
            },
            CourseWarning::SessionBackwards {
                session: 1,
                last_session: 2,
            },
            CourseWarning::BeyondPlanned {
                session: 4,
                planned: 3,
            },
            CourseWarning::TooSoon {
                days: 3,
                last_at: at,
            },
            CourseWarning::BeforeLast { last_at: at },
        ];
        for w in &all {
            let code: CourseWarningCode =
                serde_json::from_value(serde_json::Value::from(w.code())).unwrap();
            assert_eq!(serde_json::to_value(code).unwrap(), w.code());
        }
    }
}
