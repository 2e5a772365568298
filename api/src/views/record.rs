//! What staff read about patients: a roster row and one patient's whole record
//! (docs/CONTRACT.md `GET /v1/clinic/patients`, `GET /v1/clinic/patients/{id}`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::care::check_ins::{CheckIn, Escalation};
use shared::care::roster::{PatientRecord, PatientSummary};
use shared::care::sms::InboundText;
use shared::care::treatments::Treatment;
use shared::domain::{
    Area, BookingId, CheckInId, CombinedWith, Contraindication, Device, EscalationId,
    EscalationStatus, Locale, LockScreenPreview, PatientId, PromptId, PromptKind, Severity,
    SmsKeyword, Symptom, TreatmentId, UserId,
};
use shared::time::to_utc;

use super::prompt::{DeliveryView, TimelineStatus, deliveries, public_status};

/// Where a patient stands, as the clinic's lists show it: the account's status
/// (`shared::domain::UserStatus`) unless the patient was discharged or erased since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatientStatus {
    Invited,
    Active,
    Disabled,
    Discharged,
    Erased,
}

/// One row of the roster.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientSummaryView {
    pub id: PatientId,
    pub given_name: String,
    pub family_name: Option<String>,
    /// An erased patient's names are empty.
    #[schema(value_type = PatientStatus)]
    pub status: String,
    pub last_treatment_at: Option<DateTime<Utc>>,
    pub next_session_at: Option<DateTime<Utc>>,
    pub open_escalations: i64,
    /// Acknowledged ÷ delivered prompts, 0–1; null before anything was delivered.
    pub adherence: Option<f64>,
}

impl From<PatientSummary> for PatientSummaryView {
    fn from(s: PatientSummary) -> Self {
        Self {
            id: s.id,
            given_name: s.given_name,
            family_name: s.family_name,
            status: s.status,
            last_treatment_at: s.last_treatment_at,
            next_session_at: s.next_session_at,
            open_escalations: s.open_escalations,
            adherence: s.adherence,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordQuietHours {
    /// `HH:MM`, or null when quiet hours are off.
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordChannels {
    pub push: bool,
    pub email: bool,
    /// The patient's own switch for texts (effective with consent and a phone).
    pub sms: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordTreatment {
    pub id: TreatmentId,
    pub performed_at: DateTime<Utc>,
    #[schema(value_type = Vec<Area>)]
    pub areas: Vec<String>,
    pub needle_depth_mm: f64,
    #[schema(value_type = Device)]
    pub device: String,
    #[schema(value_type = Vec<CombinedWith>)]
    pub combined_with: Vec<String>,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    #[schema(value_type = Vec<Contraindication>)]
    pub contraindications: Vec<String>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
    pub protocol_version: String,
    pub recorded_by: UserId,
}

/// A prompt as staff see it: with its delivery time, not its text body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordPrompt {
    pub id: PromptId,
    #[schema(value_type = PromptKind)]
    pub kind: String,
    pub day: i32,
    pub title: String,
    pub send_at: DateTime<Utc>,
    /// The patient's local date (YYYY-MM-DD) `send_at` shows.
    #[schema(value_type = String, format = Date)]
    pub local_date: String,
    /// The patient's local time (HH:MM) `send_at` shows.
    pub local_time: String,
    #[schema(value_type = TimelineStatus)]
    pub status: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Whether the protocol marks it important (sent again on the next channel when not
    /// acknowledged within its window).
    pub important: bool,
    /// Each channel it was tried on and what was confirmed, oldest first.
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordCheckIn {
    pub id: CheckInId,
    pub treatment_id: Option<TreatmentId>,
    /// Days since the treatment.
    pub day: Option<i32>,
    /// 0–10.
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub peeling: bool,
    #[schema(value_type = Vec<Symptom>)]
    pub symptoms: Vec<String>,
    #[schema(value_type = Severity)]
    pub severity: String,
    pub escalated: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordEscalation {
    pub id: EscalationId,
    pub check_in_id: Option<CheckInId>,
    /// The stored reason code of the triage rule that raised it (open: a later protocol may
    /// add reasons).
    pub reason: String,
    #[schema(value_type = Severity)]
    pub severity: String,
    #[schema(value_type = EscalationStatus)]
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordNextSession {
    pub id: BookingId,
    pub starts_at: DateTime<Utc>,
}

impl From<Treatment> for PatientRecordTreatment {
    fn from(t: Treatment) -> Self {
        Self {
            performed_at: to_utc(t.performed_at),
            areas: codes(&t.areas),
            combined_with: codes(&t.combined_with),
            contraindications: codes(&t.contraindications),
            needle_depth_mm: t.needle_depth_mm,
            device: t.device.as_str().to_owned(),
            session_number: t.session_number,
            planned_sessions: t.planned_sessions,
            interval_weeks: t.interval_weeks,
            override_reason: t.override_reason,
            notes: t.notes,
            protocol_version: t.protocol_version,
            recorded_by: t.recorded_by,
            id: t.id,
        }
    }
}

/// An escalation without the clinic's resolution note or who resolved it: what both staff
/// lists and the patient's own export show.
impl From<Escalation> for PatientRecordEscalation {
    fn from(e: Escalation) -> Self {
        Self {
            id: e.id,
            check_in_id: e.check_in_id,
            reason: e.reason,
            severity: e.severity.as_str().to_owned(),
            status: e.status.as_str().to_owned(),
            resolved_at: e.resolved_at.map(to_utc),
            created_at: to_utc(e.created_at),
        }
    }
}

impl From<CheckIn> for PatientRecordCheckIn {
    fn from(c: CheckIn) -> Self {
        Self {
            symptoms: codes(&c.symptoms),
            id: c.id,
            treatment_id: c.treatment_id,
            day: c.day,
            redness: c.redness,
            swelling: c.swelling,
            pain: c.pain,
            peeling: c.peeling,
            severity: c.severity.as_str().to_owned(),
            escalated: c.escalated,
            created_at: to_utc(c.created_at),
        }
    }
}

/// One patient's record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecordView {
    pub id: PatientId,
    pub email: String,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    /// IANA zone name.
    pub timezone: String,
    #[schema(value_type = Locale)]
    pub locale: String,
    #[schema(value_type = PatientStatus)]
    pub status: String,
    pub quiet_hours: PatientRecordQuietHours,
    pub channels: PatientRecordChannels,
    #[schema(value_type = LockScreenPreview)]
    pub lock_screen_preview: String,
    pub enrolled_at: DateTime<Utc>,
    pub discharged_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub treatments: Vec<PatientRecordTreatment>,
    /// In delivery order.
    pub prompts: Vec<PatientRecordPrompt>,
    /// Newest first.
    pub check_ins: Vec<PatientRecordCheckIn>,
    /// Newest first.
    pub escalations: Vec<PatientRecordEscalation>,
    pub next_session: Option<PatientRecordNextSession>,
    /// The consent to texts in force; null when the patient was never asked.
    pub sms_consent: Option<super::patient::SmsConsentView>,
    /// Texts the patient sent to the service's number, newest first (the last 50).
    pub texts: Vec<InboundTextView>,
    /// Pre-visit screenings, the latest 10, newest first (`shared::care::screenings::RECORD_SHOWN`).
    pub screenings: Vec<super::screening::PatientRecordScreening>,
}

/// A text the patient sent to the service's number.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboundTextView {
    pub at: DateTime<Utc>,
    pub body: String,
    /// The keyword family it was (`stop`, `start`, `help`); null for any other text.
    pub keyword: Option<SmsKeyword>,
}

impl From<InboundText> for InboundTextView {
    fn from(t: InboundText) -> Self {
        Self {
            at: to_utc(t.at),
            body: t.body,
            keyword: t.keyword,
        }
    }
}

pub(crate) fn codes<T: Copy + std::fmt::Display>(list: &[T]) -> Vec<String> {
    list.iter().map(T::to_string).collect()
}

impl From<PatientRecord> for PatientRecordView {
    fn from(r: PatientRecord) -> Self {
        let p = r.profile;
        let treatments = r
            .treatments
            .into_iter()
            .map(PatientRecordTreatment::from)
            .collect();
        let steps = r.deliveries;
        let prompts = r
            .prompts
            .into_iter()
            .map(|r| PatientRecordPrompt {
                deliveries: deliveries(steps.get(&r.id)),
                important: r.important,
                status: public_status(r.status.shown(r.acknowledged_at.is_some())).to_owned(),
                id: r.id,
                kind: r.kind.as_str().to_owned(),
                day: r.day,
                title: r.title,
                send_at: to_utc(r.due_at),
                local_date: r.local_date,
                local_time: r.local_time,
                sent_at: r.sent_at.map(to_utc),
                acknowledged_at: r.acknowledged_at.map(to_utc),
            })
            .collect();
        let check_ins = r
            .check_ins
            .into_iter()
            .map(PatientRecordCheckIn::from)
            .collect();
        let escalations = r
            .escalations
            .into_iter()
            .map(PatientRecordEscalation::from)
            .collect();
        Self {
            id: p.user_id,
            email: r.email,
            given_name: p.given_name,
            family_name: p.family_name,
            phone: p.phone,
            timezone: p.timezone.name().to_owned(),
            locale: p.locale.as_str().to_owned(),
            status: r.status,
            quiet_hours: PatientRecordQuietHours {
                start: p.quiet_start,
                end: p.quiet_end,
            },
            channels: PatientRecordChannels {
                push: p.push_enabled,
                email: p.email_enabled,
                sms: p.sms_enabled,
            },
            lock_screen_preview: p.lock_screen_preview.as_str().to_owned(),
            enrolled_at: to_utc(p.created_at),
            discharged_at: p.discharged_at.map(to_utc),
            treatments,
            prompts,
            check_ins,
            escalations,
            next_session: r.next_session.map(|b| PatientRecordNextSession {
                id: b.id,
                starts_at: to_utc(b.starts_at),
            }),
            sms_consent: None,
            texts: Vec::new(),
            screenings: (r.screenings.into_iter())
                .take(shared::care::screenings::RECORD_SHOWN)
                .map(Into::into)
                .collect(),
        }
    }
}
