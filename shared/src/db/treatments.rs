//! Recorded treatments. Lists (areas, combined_with, contraindications) are JSON text.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::treatments;
use super::types::JsonList;
use crate::domain::Contraindication;
use crate::domain::{Area, CombinedWith, Device};
use crate::domain::{ClinicId, PatientId, ProtocolId, TreatmentId, UserId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = treatments)]
pub struct Treatment {
    pub id: TreatmentId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub performed_at: NaiveDateTime,
    pub areas: JsonList<Area>,
    pub needle_depth_mm: f64,
    pub device: Device,
    pub combined_with: JsonList<CombinedWith>,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    pub contraindications: JsonList<Contraindication>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
    pub protocol_version: String,
    pub recorded_by: UserId,
    pub created_at: NaiveDateTime,
    /// The clinic protocol version the treatment was planned with; `None`: the product's
    /// default (`protocol_version` names which).
    pub protocol_id: Option<ProtocolId>,
}

pub fn insert(conn: &mut DbConn, t: &Treatment) -> Result<()> {
    diesel::insert_into(treatments::table)
        .values(t)
        .execute(conn)?;
    Ok(())
}

/// The treatment a patient's plan follows: the most recently performed one (a newer session
/// supersedes the earlier one's course position).
pub fn current(conn: &mut DbConn, patient_id: &PatientId) -> Result<Option<Treatment>> {
    Ok(treatments::table
        .filter(treatments::patient_id.eq(patient_id))
        .order((
            treatments::performed_at.desc(),
            treatments::created_at.desc(),
            treatments::id.desc(),
        ))
        .select(Treatment::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Treatment>> {
    Ok(treatments::table
        .filter(treatments::patient_id.eq(patient_id))
        .order((treatments::performed_at.asc(), treatments::id.asc()))
        .select(Treatment::as_select())
        .load(conn)?)
}
