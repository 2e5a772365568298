//! Clinics: the tenants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::clinics;
use crate::domain::ClinicId;
use crate::domain::TimeZone;
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clinics)]
pub struct Clinic {
    pub id: ClinicId,
    pub name: String,
    pub timezone: TimeZone,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, clinic: &Clinic) -> Result<()> {
    diesel::insert_into(clinics::table)
        .values(clinic)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &ClinicId) -> Result<Clinic> {
    Ok(clinics::table
        .find(id)
        .select(Clinic::as_select())
        .first(conn)?)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> Result<Option<Clinic>> {
    Ok(clinics::table
        .filter(clinics::name.eq(name))
        .select(Clinic::as_select())
        .first(conn)
        .optional()?)
}

/// The names of the clinics among `ids` (one query; unknown ids are absent): the first words of
/// a text to their patients (`crate::care::delivery`).
pub fn names(
    conn: &mut DbConn,
    ids: &[&ClinicId],
) -> Result<std::collections::HashMap<ClinicId, String>> {
    Ok(clinics::table
        .filter(clinics::id.eq_any(ids.iter().map(|c| c.as_str())))
        .select((clinics::id, clinics::name))
        .load::<(ClinicId, String)>(conn)?
        .into_iter()
        .collect())
}
