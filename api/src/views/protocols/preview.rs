//! `GET /v1/clinic/protocols/{id}/preview`: a sample treatment in the query, and the prompts a
//! version would plan for it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use shared::domain::{Area, CombinedWith, Device, Locale, NeedleDepth, PlannedPrompt, PromptKind};
use shared::protocol::PreviewInput;
use shared::{Error, FieldError};

/// The sample treatment. Every parameter is optional; an absent or empty one takes its
/// default. A value that does not parse is a 422 naming the parameter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// When the sample treatment was performed, RFC 3339 with offset, within 5 years of today.
    /// Default: now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub performed_at: Option<String>,
    /// Treated areas, comma-separated (`face,neck`). Default: `face`.
    #[param(value_type = Option<Vec<Area>>, style = Form, explode = false)]
    pub areas: Option<String>,
    /// 0.5–2.5. Default: 1.0.
    #[param(value_type = Option<f64>)]
    pub needle_depth_mm: Option<String>,
    /// Default: `pen`.
    #[param(value_type = Option<Device>)]
    pub device: Option<String>,
    /// What the session was combined with, comma-separated (`prp`). Default: nothing.
    #[param(value_type = Option<Vec<CombinedWith>>, style = Form, explode = false)]
    pub combined_with: Option<String>,
    /// The patient's IANA time zone (`Europe/Madrid`). Default: the clinic's.
    pub timezone: Option<String>,
    /// The language of the texts. Default: `en`.
    #[param(value_type = Option<Locale>)]
    pub locale: Option<String>,
    /// 1 ≤ session_number ≤ planned_sessions. Default: 1.
    #[param(value_type = Option<i32>)]
    pub session_number: Option<String>,
    /// 1–6. Default: 3.
    #[param(value_type = Option<i32>)]
    pub planned_sessions: Option<String>,
    /// 3–8 weeks between sessions. Default: 4.
    #[param(value_type = Option<i32>)]
    pub interval_weeks: Option<String>,
    /// A booked next session (RFC 3339), after `performed_at` (at most 366 days), for the
    /// prompts anchored on the booking. Default: none booked.
    #[param(value_type = Option<String>, format = DateTime)]
    pub next_session_at: Option<String>,
}

/// How far from today a sample treatment may be, in years.
const SAMPLE_YEARS: i64 = 5;
/// How long after the sample treatment its next session may be booked, in days (a course's
/// interval is 3–8 weeks; a late booking still plans its reminders).
const BOOKING_DAYS: i64 = 366;

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn codes<T: PartialEq>(
    raw: &str,
    field: &str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Vec<T> {
    let mut out = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match parse(code) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => errors.push(FieldError::new(field, format!("unknown code {code:?}"))),
        }
    }
    out
}

fn whole(
    raw: Option<&str>,
    field: &str,
    default: i32,
    range: std::ops::RangeInclusive<i32>,
    errors: &mut Vec<FieldError>,
) -> i32 {
    let Some(raw) = raw else { return default };
    match raw.parse::<i32>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                format!(
                    "must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            ));
            default
        }
    }
}

impl PreviewParams {
    /// The sample, with `now` and the clinic's time zone as defaults; every bad parameter is
    /// named in one 422.
    pub fn parse(&self, now: DateTime<Utc>, clinic_tz: Tz) -> Result<PreviewInput, Error> {
        let mut errors = Vec::new();
        let performed_at = match given(&self.performed_at) {
            None => now,
            Some(raw) => match time(raw) {
                Some(t) if (t - now).abs() <= Duration::days(SAMPLE_YEARS * 366) => t,
                Some(_) => {
                    errors.push(FieldError::new(
                        "performed_at",
                        format!("must be within {SAMPLE_YEARS} years of today"),
                    ));
                    now
                }
                None => {
                    errors.push(FieldError::new(
                        "performed_at",
                        "must be an RFC 3339 time with offset",
                    ));
                    now
                }
            },
        };
        let mut areas = match given(&self.areas) {
            None => vec![Area::Face],
            Some(raw) => codes(raw, "areas", Area::parse, &mut errors),
        };
        if areas.is_empty() {
            areas.push(Area::Face);
        }
        let depth = given(&self.needle_depth_mm).map_or(Ok(1.0), |raw| {
            raw.parse::<f64>()
                .map_err(|_| "must be a number of millimetres from 0.5 to 2.5".to_owned())
        });
        let depth = depth.and_then(NeedleDepth::parse).unwrap_or_else(|m| {
            errors.push(FieldError::new("needle_depth_mm", m));
            NeedleDepth::parse(1.0).unwrap_or_else(|_| unreachable!("1.0 mm is in the band"))
        });
        let device = given(&self.device).map_or(Some(Device::Pen), Device::parse);
        if device.is_none() {
            errors.push(FieldError::new("device", "must be pen, roller or stamp"));
        }
        let combined_with = given(&self.combined_with)
            .map(|raw| codes(raw, "combined_with", CombinedWith::parse, &mut errors))
            .unwrap_or_default();
        let tz = match given(&self.timezone) {
            None => clinic_tz,
            Some(raw) => raw.parse::<Tz>().unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "timezone",
                    "must be an IANA time zone such as Europe/Madrid",
                ));
                clinic_tz
            }),
        };
        let locale = given(&self.locale).map_or(Some(Locale::En), Locale::parse);
        if locale.is_none() {
            errors.push(FieldError::new("locale", "must be en or es"));
        }
        let planned_sessions = whole(
            given(&self.planned_sessions),
            "planned_sessions",
            3,
            1..=6,
            &mut errors,
        );
        let session_number = whole(
            given(&self.session_number),
            "session_number",
            1,
            1..=planned_sessions,
            &mut errors,
        );
        let interval_weeks = whole(
            given(&self.interval_weeks),
            "interval_weeks",
            4,
            3..=8,
            &mut errors,
        );
        let booking_at = match given(&self.next_session_at) {
            None => None,
            Some(raw) => match time(raw) {
                Some(t) if t > performed_at && t - performed_at <= Duration::days(BOOKING_DAYS) => {
                    Some(t)
                }
                Some(_) => {
                    errors.push(FieldError::new(
                        "next_session_at",
                        format!("must be after performed_at, within {BOOKING_DAYS} days"),
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        "next_session_at",
                        "must be an RFC 3339 time with offset",
                    ));
                    None
                }
            },
        };
        match (device, locale) {
            (Some(device), Some(locale)) if errors.is_empty() => Ok(PreviewInput {
                performed_at,
                areas,
                depth,
                device,
                combined_with,
                tz,
                locale,
                session_number,
                planned_sessions,
                interval_weeks,
                booking_at,
            }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

/// One prompt the version would plan for the sample, in its language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewPrompt {
    pub key: String,
    pub kind: PromptKind,
    /// Days after the treatment's local date (negative: before the booked session).
    pub day: i32,
    pub important: bool,
    pub title: String,
    pub body: String,
    /// On the patient's clock (`timezone`).
    pub local_date: NaiveDate,
    /// `HH:MM` on the patient's clock.
    pub local_time: String,
}

impl From<&PlannedPrompt> for PreviewPrompt {
    fn from(p: &PlannedPrompt) -> Self {
        PreviewPrompt {
            key: p.key.clone(),
            kind: p.kind,
            day: p.day,
            important: p.important,
            title: p.title.clone(),
            body: p.body.clone(),
            local_date: p.local_date,
            local_time: p.local_time.format("%H:%M").to_string(),
        }
    }
}

/// What the version plans for the sample, in delivery order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProtocolPreview {
    pub prompts: Vec<PreviewPrompt>,
}
