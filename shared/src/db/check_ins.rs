//! Patients' check-ins: scores and symptoms as reported, with the treatment day they belong to
//! and the triage result. Written with their escalation in one transaction
//! (`crate::care::check_ins`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::check_ins;
use super::types::JsonList;
use crate::domain::{CheckInId, ClinicId, PatientId, TreatmentId};
use crate::domain::{Severity, Symptom};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = check_ins)]
pub struct CheckIn {
    pub id: CheckInId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub treatment_id: Option<TreatmentId>,
    /// Days since the treatment, patient's local date against the treatment's local date.
    pub day: Option<i32>,
    /// 0–10 each.
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub peeling: bool,
    /// JSON list of symptom codes.
    pub symptoms: JsonList<Symptom>,
    /// `none`, `routine` or `urgent`.
    pub severity: Severity,
    pub escalated: bool,
    pub created_at: NaiveDateTime,
}

/// The clinic's patient's check-ins, newest first.
pub fn for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<Vec<CheckIn>> {
    Ok(check_ins::table
        .filter(check_ins::clinic_id.eq(clinic_id))
        .filter(check_ins::patient_id.eq(patient_id))
        .order((check_ins::created_at.desc(), check_ins::id.desc()))
        .select(CheckIn::as_select())
        .load(conn)?)
}

/// One page of the patient's check-ins in the clinic, newest first (recorded time, then id): at
/// most `limit`, only those after the check-in `before_id` in that order when given (the keyset
/// cursor of docs/CONTRACT.md `GET /v1/me/check-ins`). `None` when `before_id` names no
/// check-in of this patient.
pub fn page_for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Option<Vec<CheckIn>>> {
    let mine = check_ins::table
        .filter(check_ins::clinic_id.eq(clinic_id))
        .filter(check_ins::patient_id.eq(patient_id));
    let mut q = mine.into_boxed::<<DbConn as diesel::Connection>::Backend>();
    if let Some(before) = before_id {
        let Some(at) = mine
            .filter(check_ins::id.eq(before))
            .select(check_ins::created_at)
            .first::<NaiveDateTime>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        q = q.filter(
            check_ins::created_at.lt(at).or(check_ins::created_at
                .eq(at)
                .and(check_ins::id.lt(before.to_owned()))),
        );
    }
    Ok(Some(
        q.order((check_ins::created_at.desc(), check_ins::id.desc()))
            .limit(limit)
            .select(CheckIn::as_select())
            .load(conn)?,
    ))
}

/// What triage compares a new check-in with: an earlier one's day and redness.
#[derive(Debug, Clone, Queryable)]
pub struct EarlierScores {
    pub id: CheckInId,
    pub treatment_id: Option<TreatmentId>,
    pub day: Option<i32>,
    pub redness: i32,
}

/// The scores of every check-in of the patient, oldest first: what each was compared with when
/// it was triaged (the one before it for the same treatment).
pub fn scores_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<EarlierScores>> {
    Ok(check_ins::table
        .filter(check_ins::patient_id.eq(patient_id))
        .order((check_ins::created_at.asc(), check_ins::id.asc()))
        .select((
            check_ins::id,
            check_ins::treatment_id,
            check_ins::day,
            check_ins::redness,
        ))
        .load(conn)?)
}

pub fn insert(conn: &mut DbConn, row: &CheckIn) -> Result<()> {
    diesel::insert_into(check_ins::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// `(day, redness)` of the latest check-in for `treatment_id`, the one a new check-in is
/// compared with (rising redness). Only those columns are read, so nothing else stored in an
/// old row can stand in the way of a new check-in.
pub fn latest_scores(conn: &mut DbConn, treatment_id: &TreatmentId) -> Result<Option<(i32, i32)>> {
    let row: Option<(Option<i32>, i32)> = check_ins::table
        .filter(check_ins::treatment_id.eq(treatment_id))
        .order((check_ins::created_at.desc(), check_ins::id.desc()))
        .select((check_ins::day, check_ins::redness))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(day, redness)| day.map(|d| (d, redness))))
}

/// What the plan adapts to: `(id, recorded at, severity, peeling)` of every check-in for
/// `treatment_id`, oldest first.
pub fn signals_for_treatment(
    conn: &mut DbConn,
    treatment_id: &TreatmentId,
) -> Result<Vec<(CheckInId, NaiveDateTime, Severity, bool)>> {
    Ok(check_ins::table
        .filter(check_ins::treatment_id.eq(treatment_id))
        .order((check_ins::created_at.asc(), check_ins::id.asc()))
        .select((
            check_ins::id,
            check_ins::created_at,
            check_ins::severity,
            check_ins::peeling,
        ))
        .load(conn)?)
}
