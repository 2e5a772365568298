//! The body of `POST /v1/clinic/patients/{id}/treatments`, parsed once into domain types with
//! every invalid field reported together.

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};
use serde::Deserialize;
use shared::domain::{Area, CombinedWith, Contraindication, Device, NeedleDepth};
use shared::{Error, FieldError};

/// How far in the future `performed_at` may be (clock skew between devices).
const FUTURE_SKEW_MINUTES: i64 = 5;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTreatment {
    /// RFC 3339; not in the future.
    pub performed_at: String,
    /// face, neck, chest, hands, back, legs, scalp (at least one).
    pub areas: Vec<String>,
    /// 0.5–2.5.
    pub needle_depth_mm: f64,
    /// pen | roller | stamp
    pub device: String,
    /// prp
    #[serde(default)]
    pub combined_with: Vec<String>,
    /// 1 ≤ session_number ≤ planned_sessions.
    pub session_number: i64,
    /// 1–6 (3–6 typical).
    pub planned_sessions: i64,
    /// 3–8 weeks between sessions.
    pub interval_weeks: i64,
    /// Screening findings (codes); non-empty requires `override_reason`.
    pub contraindications: Vec<String>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
}

pub(super) struct ParsedTreatment {
    pub performed_at: NaiveDateTime,
    pub areas: Vec<Area>,
    pub depth: NeedleDepth,
    pub device: Device,
    pub combined_with: Vec<CombinedWith>,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    pub contraindications: Vec<Contraindication>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
}

pub(super) fn parse_time(raw: &str) -> Option<NaiveDateTime> {
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
    let t = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if t.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Some(t.to_owned())
}

impl NewTreatment {
    pub(super) fn parse(&self, now: NaiveDateTime) -> Result<ParsedTreatment, Error> {
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
                Ok(ParsedTreatment {
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
