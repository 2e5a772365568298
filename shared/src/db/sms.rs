//! TEMPORARY STUB (helper C): replaced by helper A's `shared::db::sms` on merge.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConn;
use super::schema::sms_consents as t;
use crate::domain::PatientId;
use crate::error::Result;

/// Whether each patient has a granted consent in force (the newest record grants).
pub fn consents_in_force(
    conn: &mut DbConn,
    patients: &[&PatientId],
) -> Result<HashMap<PatientId, bool>> {
    let mut answer: HashMap<PatientId, bool> =
        patients.iter().map(|p| ((*p).clone(), false)).collect();
    let rows: Vec<(String, bool, chrono::NaiveDateTime)> = t::table
        .filter(t::patient_id.eq_any(patients.iter().map(|p| p.as_str())))
        .select((t::patient_id, t::granted, t::created_at))
        .order(t::created_at.asc())
        .load(conn)?;
    for (p, granted, _) in rows {
        answer.insert(PatientId::from(p), granted);
    }
    Ok(answer)
}
