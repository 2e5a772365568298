//! What clinic staff see of their patients: the list with its computed columns and one
//! patient's whole record. Every query names the caller's clinic in its `WHERE` clause, so
//! another clinic's rows are never read, let alone filtered out afterwards.
//!
//! The treatments, bookings, prompts, check-ins and escalations are written elsewhere; this
//! module only reads them. The wire shapes are the API's (`api/src/views`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

mod browse;
mod record;

pub use browse::*;
pub use record::*;

use super::DbConn;
use super::patients::PatientProfile;
use super::schema::{escalations, patient_profiles, prompts, session_bookings, treatments, users};
use crate::domain::{ClinicId, EscalationStatus, PatientId, PromptStatus, SearchTerms};
use crate::error::Result;
use crate::time::to_utc;

type Backend = <DbConn as diesel::Connection>::Backend;

/// The list filter on the patient's state in the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    Invited,
    Active,
    Discharged,
    Erased,
}

impl ListStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "discharged" => Some(Self::Discharged),
            "erased" => Some(Self::Erased),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<ListStatus>,
    /// Words that must all occur in the patient's names, email or phone digits, folded
    /// ([`crate::domain::search`]: no accents or capitals, any order).
    pub q: Option<String>,
    /// Keyset: only patients with an id below this one (ids are time-ordered; newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct PatientSummary {
    pub id: PatientId,
    pub given_name: String,
    pub family_name: Option<String>,
    /// `invited`, `active`, `discharged` or `erased` (then without names).
    pub status: String,
    pub last_treatment_at: Option<DateTime<Utc>>,
    pub next_session_at: Option<DateTime<Utc>>,
    pub open_escalations: i64,
    /// Acknowledged / delivered prompts, 0–1 (a prompt acknowledged in the app counts as
    /// delivered); null before anything was delivered.
    pub adherence: Option<f64>,
    /// Whether the latest pre-visit screening for the booked next session reported anything
    /// (`crate::db::screenings`).
    pub screening_flagged: bool,
}

fn status_of(user_status: &str, profile: &PatientProfile) -> String {
    if profile.erased_at.is_some() {
        "erased".to_owned()
    } else if profile.discharged_at.is_some() {
        "discharged".to_owned()
    } else {
        user_status.to_owned()
    }
}

/// One page of the clinic's patients (at most `limit`, newest first). Erased patients are
/// listed (their clinical record stays) with empty names, and no search matches them.
pub fn list(conn: &mut DbConn, clinic_id: &ClinicId, q: &ListQuery) -> Result<Vec<PatientSummary>> {
    let rows = matching(
        conn,
        clinic_id,
        q.status,
        q.q.as_deref(),
        q.before_id.as_deref(),
        Some(q.limit),
    )?;
    summarize(conn, clinic_id, rows)
}

/// The clinic's patients passing the status and text filters, newest first: `(user status,
/// profile)`, below `before_id` and at most `limit` when given.
fn matching(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    status: Option<ListStatus>,
    text: Option<&str>,
    before_id: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<(String, PatientProfile)>> {
    let mut query = patient_profiles::table
        .inner_join(users::table)
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(users::clinic_id.eq(clinic_id))
        .select((users::status, PatientProfile::as_select()))
        .order(patient_profiles::user_id.desc())
        .into_boxed::<Backend>();
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    match status {
        Some(ListStatus::Erased) => query = query.filter(patient_profiles::erased_at.is_not_null()),
        Some(ListStatus::Discharged) => {
            query = query
                .filter(patient_profiles::erased_at.is_null())
                .filter(patient_profiles::discharged_at.is_not_null())
        }
        Some(s) => {
            let wanted = if s == ListStatus::Invited {
                "invited"
            } else {
                "active"
            };
            query = query
                .filter(patient_profiles::erased_at.is_null())
                .filter(patient_profiles::discharged_at.is_null())
                .filter(users::status.eq(wanted));
        }
        None => {}
    }
    let terms = text.map(SearchTerms::parse).unwrap_or_default();
    if !terms.is_empty() {
        // An erased patient's key is '' (and one not yet computed is NULL): neither matches.
        query = query.filter(patient_profiles::erased_at.is_null());
    }
    for term in terms.0 {
        let text = patient_profiles::search_key
            .like(contains(&term.text))
            .escape('\\');
        query = match term.digits {
            Some(d) => {
                query.filter(text.or(patient_profiles::search_key.like(contains(&d)).escape('\\')))
            }
            None => query.filter(text),
        };
    }
    if let Some(before) = before_id {
        query = query.filter(patient_profiles::user_id.lt(before.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// The computed columns of the given rows, in their order.
fn summarize(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    rows: Vec<(String, PatientProfile)>,
) -> Result<Vec<PatientSummary>> {
    let ids: Vec<&str> = rows.iter().map(|(_, p)| p.user_id.as_str()).collect();
    let last_treatment = last_treatments(conn, clinic_id, Some(&ids))?;
    let next_session = next_sessions(conn, clinic_id, Some(&ids))?;
    let open: HashMap<String, i64> = escalations::table
        .filter(escalations::clinic_id.eq(clinic_id))
        .filter(escalations::patient_id.eq_any(&ids))
        .filter(escalations::status.eq(EscalationStatus::Open))
        .group_by(escalations::patient_id)
        .select((escalations::patient_id, count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    let adherence = adherence(conn, clinic_id, Some(&ids))?;
    let flagged = super::screenings::flagged_next_sessions(conn, clinic_id, Some(&ids))?;

    Ok(rows
        .into_iter()
        .map(|(user_status, p)| {
            let id = p.user_id.clone();
            let key = id.as_str();
            PatientSummary {
                status: status_of(&user_status, &p),
                last_treatment_at: last_treatment.get(key).copied().map(to_utc),
                next_session_at: next_session.get(key).copied().map(to_utc),
                open_escalations: open.get(key).copied().unwrap_or(0),
                adherence: adherence.get(key).copied(),
                screening_flagged: flagged.iter().any(|f| f == key),
                given_name: p.given_name,
                family_name: p.family_name,
                id,
            }
        })
        .collect())
}

/// Each patient's latest treatment time (UTC), for `ids` or the whole clinic.
fn last_treatments(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    ids: Option<&[&str]>,
) -> Result<HashMap<String, NaiveDateTime>> {
    let mut query = treatments::table
        .filter(treatments::clinic_id.eq(clinic_id))
        .group_by(treatments::patient_id)
        .select((treatments::patient_id, max(treatments::performed_at)))
        .into_boxed::<Backend>();
    if let Some(ids) = ids {
        query = query.filter(treatments::patient_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(String, Option<NaiveDateTime>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

/// Each patient's booked next session (UTC), for `ids` or the whole clinic.
fn next_sessions(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    ids: Option<&[&str]>,
) -> Result<HashMap<String, NaiveDateTime>> {
    let mut query = session_bookings::table
        .filter(session_bookings::clinic_id.eq(clinic_id))
        .filter(session_bookings::cancelled_at.is_null())
        .select((session_bookings::patient_id, session_bookings::starts_at))
        .into_boxed::<Backend>();
    if let Some(ids) = ids {
        query = query.filter(session_bookings::patient_id.eq_any(ids.to_vec()));
    }
    Ok(query.load(conn)?.into_iter().collect())
}

/// Each patient's adherence, 0–1: of the prompts that reached the patient, the share they
/// acknowledged, for patients with at least one, for `ids` or the whole clinic. A prompt
/// reached the patient when it was delivered (`sent`, `acknowledged`) or when the patient
/// acknowledged it in the app whatever became of its push (still `scheduled`, or `failed`: the
/// app's timeline shows it all the same); a cancelled prompt never counts.
fn adherence(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    ids: Option<&[&str]>,
) -> Result<HashMap<String, f64>> {
    let acked = prompts::acknowledged_at
        .is_not_null()
        .and(prompts::status.ne(PromptStatus::Cancelled));
    let mut reached = prompts::table
        .filter(prompts::clinic_id.eq(clinic_id))
        .filter(
            prompts::status
                .eq_any([PromptStatus::Sent, PromptStatus::Acknowledged])
                .or(acked),
        )
        .group_by(prompts::patient_id)
        .select((prompts::patient_id, count_star()))
        .into_boxed::<Backend>();
    let mut acknowledged = prompts::table
        .filter(prompts::clinic_id.eq(clinic_id))
        .filter(acked)
        .group_by(prompts::patient_id)
        .select((prompts::patient_id, count_star()))
        .into_boxed::<Backend>();
    if let Some(ids) = ids {
        reached = reached.filter(prompts::patient_id.eq_any(ids.to_vec()));
        acknowledged = acknowledged.filter(prompts::patient_id.eq_any(ids.to_vec()));
    }
    let reached: Vec<(String, i64)> = reached.load(conn)?;
    let acknowledged: HashMap<String, i64> = acknowledged.load(conn)?.into_iter().collect();
    Ok(reached
        .into_iter()
        .filter(|(_, total)| *total > 0)
        .map(|(id, total)| {
            let acked = acknowledged.get(&id).copied().unwrap_or(0).min(total);
            (id, acked as f64 / total as f64)
        })
        .collect())
}

/// A `LIKE` pattern for "contains `s`", its wildcards escaped (with `ESCAPE '\\'`).
fn contains(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
