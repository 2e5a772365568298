//! One patient's whole record as staff see it: profile, treatments, prompts, check-ins,
//! escalations and the next booked session. Every query names the clinic.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::status_of;
use crate::db::DbConn;
use crate::db::patients::PatientProfile;
use crate::db::schema::{
    check_ins, escalations, patient_profiles, prompts, session_bookings, treatments, users,
};
use crate::error::Result;
use crate::time::to_utc;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuietHoursView {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelsView {
    pub push: bool,
    pub email: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = treatments)]
pub struct TreatmentRow {
    pub id: String,
    #[serde(skip)]
    pub performed_at: NaiveDateTime,
    #[serde(skip)]
    pub areas: String,
    pub needle_depth_mm: f64,
    pub device: String,
    #[serde(skip)]
    pub combined_with: String,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    #[serde(skip)]
    pub contraindications: String,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
    pub protocol_version: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TreatmentView {
    #[serde(flatten)]
    pub row: TreatmentRow,
    pub performed_at: DateTime<Utc>,
    #[schema(value_type = Vec<String>)]
    pub areas: Value,
    #[schema(value_type = Vec<String>)]
    pub combined_with: Value,
    #[schema(value_type = Vec<String>)]
    pub contraindications: Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PromptView {
    pub id: String,
    pub kind: String,
    pub day: i32,
    pub title: String,
    pub send_at: DateTime<Utc>,
    pub local_date: String,
    pub local_time: String,
    /// `scheduled`, `sent`, `acknowledged`, `cancelled` or `failed`.
    pub status: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = check_ins)]
struct CheckInRow {
    id: String,
    treatment_id: Option<String>,
    day: Option<i32>,
    redness: i32,
    swelling: i32,
    pain: i32,
    peeling: bool,
    symptoms: String,
    severity: String,
    escalated: bool,
    created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckInView {
    pub id: String,
    pub treatment_id: Option<String>,
    pub day: Option<i32>,
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub peeling: bool,
    #[schema(value_type = Vec<String>)]
    pub symptoms: Value,
    pub severity: String,
    pub escalated: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalations)]
struct EscalationRow {
    id: String,
    check_in_id: Option<String>,
    reason: String,
    severity: String,
    status: String,
    resolved_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalationView {
    pub id: String,
    pub check_in_id: Option<String>,
    pub reason: String,
    pub severity: String,
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NextSessionView {
    pub id: String,
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecord {
    pub id: String,
    pub email: String,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: String,
    pub locale: String,
    pub status: String,
    pub quiet_hours: QuietHoursView,
    pub channels: ChannelsView,
    pub lock_screen_preview: String,
    pub enrolled_at: DateTime<Utc>,
    pub discharged_at: Option<DateTime<Utc>>,
    pub treatments: Vec<TreatmentView>,
    pub prompts: Vec<PromptView>,
    pub check_ins: Vec<CheckInView>,
    pub escalations: Vec<EscalationView>,
    pub next_session: Option<NextSessionView>,
}

fn json_list(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Array(Vec::new()))
}

/// One patient's record, or `NotFound` when they are not this clinic's (or were erased).
pub fn record(conn: &mut DbConn, clinic_id: &str, patient_id: &str) -> Result<PatientRecord> {
    let (email, user_status, p): (String, String, PatientProfile) = patient_profiles::table
        .inner_join(users::table)
        .filter(patient_profiles::user_id.eq(patient_id))
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(users::clinic_id.eq(clinic_id))
        .filter(patient_profiles::erased_at.is_null())
        .select((users::email, users::status, PatientProfile::as_select()))
        .first(conn)?;

    let treatments: Vec<TreatmentView> = treatments::table
        .filter(treatments::clinic_id.eq(clinic_id))
        .filter(treatments::patient_id.eq(patient_id))
        .order(treatments::performed_at.desc())
        .select(TreatmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| TreatmentView {
            performed_at: to_utc(row.performed_at),
            areas: json_list(&row.areas),
            combined_with: json_list(&row.combined_with),
            contraindications: json_list(&row.contraindications),
            row,
        })
        .collect();
    let prompts: Vec<PromptView> = prompts::table
        .filter(prompts::clinic_id.eq(clinic_id))
        .filter(prompts::patient_id.eq(patient_id))
        .order((prompts::due_at.asc(), prompts::id.asc()))
        .select(crate::db::prompts::Prompt::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| PromptView {
            // A prompt being sent right now is still "scheduled" to a reader.
            status: if r.status == "sending" {
                "scheduled".into()
            } else {
                r.status
            },
            id: r.id,
            kind: r.kind,
            day: r.day,
            title: r.title,
            send_at: to_utc(r.due_at),
            local_date: r.local_date,
            local_time: r.local_time,
            sent_at: r.sent_at.map(to_utc),
            acknowledged_at: r.acknowledged_at.map(to_utc),
        })
        .collect();
    let check_ins: Vec<CheckInView> = check_ins::table
        .filter(check_ins::clinic_id.eq(clinic_id))
        .filter(check_ins::patient_id.eq(patient_id))
        .order(check_ins::created_at.desc())
        .select(CheckInRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| CheckInView {
            id: c.id,
            treatment_id: c.treatment_id,
            day: c.day,
            redness: c.redness,
            swelling: c.swelling,
            pain: c.pain,
            peeling: c.peeling,
            symptoms: json_list(&c.symptoms),
            severity: c.severity,
            escalated: c.escalated,
            created_at: to_utc(c.created_at),
        })
        .collect();
    let escalations: Vec<EscalationView> = escalations::table
        .filter(escalations::clinic_id.eq(clinic_id))
        .filter(escalations::patient_id.eq(patient_id))
        .order(escalations::created_at.desc())
        .select(EscalationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|e| EscalationView {
            id: e.id,
            check_in_id: e.check_in_id,
            reason: e.reason,
            severity: e.severity,
            status: e.status,
            resolved_at: e.resolved_at.map(to_utc),
            created_at: to_utc(e.created_at),
        })
        .collect();
    let next_session = session_bookings::table
        .filter(session_bookings::clinic_id.eq(clinic_id))
        .filter(session_bookings::patient_id.eq(patient_id))
        .filter(session_bookings::cancelled_at.is_null())
        .select((session_bookings::id, session_bookings::starts_at))
        .first::<(String, NaiveDateTime)>(conn)
        .optional()?
        .map(|(id, starts_at)| NextSessionView {
            id,
            starts_at: to_utc(starts_at),
        });

    Ok(PatientRecord {
        status: status_of(&user_status, &p),
        id: p.user_id,
        email,
        given_name: p.given_name,
        family_name: p.family_name,
        phone: p.phone,
        timezone: p.timezone,
        locale: p.locale,
        quiet_hours: QuietHoursView {
            start: p.quiet_start,
            end: p.quiet_end,
        },
        channels: ChannelsView {
            push: p.push_enabled,
            email: p.email_enabled,
        },
        lock_screen_preview: p.lock_screen_preview,
        enrolled_at: to_utc(p.created_at),
        discharged_at: p.discharged_at.map(to_utc),
        treatments,
        prompts,
        check_ins,
        escalations,
        next_session,
    })
}
