//! What clinic staff see of their patients: the list with its computed columns and one
//! patient's whole record. Every query names the caller's clinic in its `WHERE` clause, so
//! another clinic's rows are never read, let alone filtered out afterwards.
//!
//! The treatments, bookings, prompts, check-ins and escalations are written elsewhere; this
//! module only reads them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::DbConn;
use super::patients::PatientProfile;
use super::schema::{
    check_ins, escalations, patient_profiles, prompts, session_bookings, treatments, users,
};
use crate::error::Result;
use crate::time::to_utc;

diesel::define_sql_function! {
    /// SQL `lower()`: both backends have it; PostgreSQL's `LIKE` is case-sensitive.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

type Backend = <DbConn as diesel::Connection>::Backend;

/// The list filter on the patient's state in the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    Invited,
    Active,
    Discharged,
}

impl ListStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "discharged" => Some(Self::Discharged),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<ListStatus>,
    /// Matched case-insensitively against names and email.
    pub q: Option<String>,
    /// Keyset: only patients with an id below this one (ids are time-ordered; newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientSummary {
    pub id: String,
    pub given_name: String,
    pub family_name: Option<String>,
    /// `invited`, `active` or `discharged`.
    pub status: String,
    pub last_treatment_at: Option<DateTime<Utc>>,
    pub next_session_at: Option<DateTime<Utc>>,
    pub open_escalations: i64,
    /// Acknowledged / delivered prompts, 0–1; null before anything was delivered.
    pub adherence: Option<f64>,
}

fn status_of(user_status: &str, profile: &PatientProfile) -> String {
    if profile.discharged_at.is_some() {
        "discharged".to_owned()
    } else {
        user_status.to_owned()
    }
}

/// One page of the clinic's patients (at most `limit`, newest first).
pub fn list(conn: &mut DbConn, clinic_id: &str, q: &ListQuery) -> Result<Vec<PatientSummary>> {
    let mut query = patient_profiles::table
        .inner_join(users::table)
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(users::clinic_id.eq(clinic_id))
        .filter(patient_profiles::erased_at.is_null())
        .select((users::status, PatientProfile::as_select()))
        .order(patient_profiles::user_id.desc())
        .limit(q.limit)
        .into_boxed::<Backend>();
    match q.status {
        Some(ListStatus::Discharged) => {
            query = query.filter(patient_profiles::discharged_at.is_not_null())
        }
        Some(s) => {
            let wanted = if s == ListStatus::Invited {
                "invited"
            } else {
                "active"
            };
            query = query
                .filter(patient_profiles::discharged_at.is_null())
                .filter(users::status.eq(wanted));
        }
        None => {}
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(
            lower(patient_profiles::given_name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(patient_profiles::family_name.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\')
                    .and(patient_profiles::family_name.is_not_null()))
                .or(users::email.like(pattern).escape('\\')),
        );
    }
    if let Some(before) = &q.before_id {
        query = query.filter(patient_profiles::user_id.lt(before.clone()));
    }
    let rows: Vec<(String, PatientProfile)> = query.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|(_, p)| p.user_id.clone()).collect();

    let last_treatment: HashMap<String, Option<NaiveDateTime>> = treatments::table
        .filter(treatments::clinic_id.eq(clinic_id))
        .filter(treatments::patient_id.eq_any(&ids))
        .group_by(treatments::patient_id)
        .select((treatments::patient_id, max(treatments::performed_at)))
        .load(conn)?
        .into_iter()
        .collect();
    let next_session: HashMap<String, NaiveDateTime> = session_bookings::table
        .filter(session_bookings::clinic_id.eq(clinic_id))
        .filter(session_bookings::patient_id.eq_any(&ids))
        .filter(session_bookings::cancelled_at.is_null())
        .select((session_bookings::patient_id, session_bookings::starts_at))
        .load(conn)?
        .into_iter()
        .collect();
    let open: HashMap<String, i64> = escalations::table
        .filter(escalations::clinic_id.eq(clinic_id))
        .filter(escalations::patient_id.eq_any(&ids))
        .filter(escalations::status.eq("open"))
        .group_by(escalations::patient_id)
        .select((escalations::patient_id, count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    let mut delivered: HashMap<String, (i64, i64)> = HashMap::new();
    let counts: Vec<(String, String, i64)> = prompts::table
        .filter(prompts::clinic_id.eq(clinic_id))
        .filter(prompts::patient_id.eq_any(&ids))
        .filter(prompts::status.eq_any(["sent", "acknowledged"]))
        .group_by((prompts::patient_id, prompts::status))
        .select((prompts::patient_id, prompts::status, count_star()))
        .load(conn)?;
    for (patient, status, n) in counts {
        let e = delivered.entry(patient).or_default();
        if status == "acknowledged" {
            e.0 += n;
        }
        e.1 += n;
    }

    Ok(rows
        .into_iter()
        .map(|(user_status, p)| {
            let id = p.user_id.clone();
            PatientSummary {
                status: status_of(&user_status, &p),
                last_treatment_at: last_treatment.get(&id).copied().flatten().map(to_utc),
                next_session_at: next_session.get(&id).copied().map(to_utc),
                open_escalations: open.get(&id).copied().unwrap_or(0),
                adherence: delivered
                    .get(&id)
                    .filter(|(_, total)| *total > 0)
                    .map(|(acked, total)| *acked as f64 / *total as f64),
                given_name: p.given_name,
                family_name: p.family_name,
                id,
            }
        })
        .collect())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

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
        .select(super::prompts::Prompt::as_select())
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
