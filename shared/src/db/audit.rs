//! The audit log: who read or changed which patient's data, and when. Actions are
//! [`AuditAction`] codes (`patient.read`, `treatment.create`); no health content is ever written
//! here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
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
        })
        .execute(conn)?;
    Ok(())
}

/// Records one `action` by `actor_id` for each of `patient_ids` (a list's rows), in one
/// statement: a page of 25 rows is one round trip, not 25.
pub fn record_each(
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
    let rows: Vec<AuditEntry> = patient_ids
        .iter()
        .map(|p| AuditEntry {
            id: new_id(),
            clinic_id: clinic_id.to_owned(),
            actor_id: actor_id.cloned(),
            action,
            patient_id: Some((*p).clone()),
            at,
        })
        .collect();
    // Multi-row inserts are per backend: diesel's multi-backend has no batch insert.
    let insert = diesel::insert_into(audit_log::table).values(&rows);
    match conn {
        DbConn::Pg(pg) => insert.execute(pg)?,
        DbConn::Sqlite(lite) => insert.execute(lite)?,
    };
    Ok(())
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
        query = query.filter(audit_log::patient_id.eq(p.to_owned()));
    }
    if let Some(a) = action {
        query = query.filter(audit_log::action.eq(a));
    }
    if let Some(b) = before_id {
        query = query.filter(audit_log::id.lt(b.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Every entry naming the patient in their clinic's log, newest first (the patient's export).
pub fn for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::clinic_id.eq(clinic_id))
        .filter(audit_log::patient_id.eq(patient_id))
        .order(audit_log::id.desc())
        .select(AuditEntry::as_select())
        .load(conn)?)
}
