//! The audit log: who read or changed which patient's data, and when. Actions are
//! [`AuditAction`] codes (`patient.read`, `treatment.create`); no health content is ever written
//! here.
//!
//! An entry names one patient (`patient_id`) or, for a list view (the roster, the escalation
//! queue), every patient the view showed (`subject_ids`, a JSON array of ids): one entry per
//! view, not one per row. Reading the log for a patient matches either column, so "which views
//! showed patient X" is answered by the same filter on both backends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::types::JsonList;
use super::{DbConn, new_id};
use crate::domain::{AuditAction, ClinicId, PatientId, UserId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub clinic_id: ClinicId,
    pub actor_id: Option<UserId>,
    pub action: AuditAction,
    pub patient_id: Option<PatientId>,
    pub at: NaiveDateTime,
    /// The patients a list view showed, in the order shown; `None` for any other entry.
    pub subject_ids: Option<JsonList<PatientId>>,
}

impl AuditEntry {
    /// Every patient the entry is about: its patient, or the patients its list view showed.
    pub fn patients(&self) -> Vec<&PatientId> {
        match (&self.patient_id, &self.subject_ids) {
            (Some(p), _) => vec![p],
            (None, Some(list)) => list.iter().collect(),
            (None, None) => Vec::new(),
        }
    }
}

pub fn record(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    actor_id: Option<&UserId>,
    action: AuditAction,
    patient_id: Option<&PatientId>,
    at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values(AuditEntry {
            id: new_id(),
            clinic_id: clinic_id.to_owned(),
            actor_id: actor_id.cloned(),
            action,
            patient_id: patient_id.cloned(),
            at,
            subject_ids: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Records one list view: `action` by `actor_id` that showed `patient_ids` (a page's rows, in
/// order), as one entry naming them all. A view that showed no one records nothing.
pub fn record_list(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    actor_id: Option<&UserId>,
    action: AuditAction,
    patient_ids: &[&PatientId],
    at: NaiveDateTime,
) -> Result<()> {
    if patient_ids.is_empty() {
        return Ok(());
    }
    let mut shown: Vec<PatientId> = Vec::with_capacity(patient_ids.len());
    for p in patient_ids {
        // The escalation queue shows a patient once per escalation: name each once.
        if !shown.contains(*p) {
            shown.push((*p).clone());
        }
    }
    diesel::insert_into(audit_log::table)
        .values(AuditEntry {
            id: new_id(),
            clinic_id: clinic_id.to_owned(),
            actor_id: actor_id.cloned(),
            action,
            patient_id: None,
            at,
            subject_ids: Some(JsonList(shown)),
        })
        .execute(conn)?;
    Ok(())
}

/// Entries about `patient_id`: naming it, or a list view that showed it. The list is JSON text
/// of quoted ids, so the quoted id is looked for (the same `LIKE` on both backends; ids hold no
/// quote, and `%`, `_` and the backslash are escaped).
fn about(
    patient_id: &PatientId,
) -> Box<
    dyn BoxableExpression<
            audit_log::table,
            <DbConn as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    // Only an id can be inside a list: anything else (`,`, a quote) would match other entries.
    if uuid::Uuid::parse_str(patient_id.as_str()).is_err() {
        return Box::new(audit_log::patient_id.eq(patient_id.to_owned()).nullable());
    }
    let quoted = format!("%\"{}\"%", escape_like(patient_id.as_str()));
    Box::new(
        audit_log::patient_id
            .eq(patient_id.to_owned())
            .or(audit_log::subject_ids.like(quoted).escape('\\')),
    )
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of the clinic's audit log, newest first; `before_id` is the keyset cursor (ids are
/// time-ordered).
pub fn list(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: Option<&PatientId>,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    list_filtered(conn, clinic_id, patient_id, None, before_id, limit)
}

/// As [`list`], also narrowed to one `action` when given.
pub fn list_filtered(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: Option<&PatientId>,
    action: Option<AuditAction>,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .filter(audit_log::clinic_id.eq(clinic_id))
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed::<<DbConn as diesel::Connection>::Backend>();
    if let Some(p) = patient_id {
        query = query.filter(about(p));
    }
    if let Some(a) = action {
        query = query.filter(audit_log::action.eq(a));
    }
    if let Some(b) = before_id {
        query = query.filter(audit_log::id.lt(b.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Every entry about the patient in their clinic's log (naming them, or a list view that showed
/// them), newest first (the patient's export).
pub fn for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::clinic_id.eq(clinic_id))
        .filter(about(patient_id))
        .order(audit_log::id.desc())
        .select(AuditEntry::as_select())
        .load(conn)?)
}
