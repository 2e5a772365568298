//! The patient's search key: written with every write of a name, the email or the phone, and
//! filled at start for rows written before the column existed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{patient_profiles, users};
use crate::db::{DbConn, write_transaction};
use crate::domain::{PatientId, search_key};
use crate::error::Result;

/// Recomputes the patient's `search_key` from their names, email and phone as stored now
/// ([`crate::domain::search_key`]); '' for an erased patient. Every write of a name, the email
/// or the phone calls it in its transaction. `NotFound` for an unknown patient.
pub fn refresh_search_key(conn: &mut DbConn, patient_id: &PatientId) -> Result<()> {
    let row: KeySource = patient_profiles::table
        .inner_join(users::table)
        .filter(patient_profiles::user_id.eq(patient_id))
        .select(KEY_SOURCE)
        .first(conn)?;
    write_search_key(conn, &row)
}

/// What a search key is computed from: id, names, phone, erased, email.
type KeySource = (
    PatientId,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    String,
);

const KEY_SOURCE: (
    patient_profiles::user_id,
    patient_profiles::given_name,
    patient_profiles::family_name,
    patient_profiles::phone,
    patient_profiles::erased_at,
    users::email,
) = (
    patient_profiles::user_id,
    patient_profiles::given_name,
    patient_profiles::family_name,
    patient_profiles::phone,
    patient_profiles::erased_at,
    users::email,
);

fn key_of(row: &KeySource) -> String {
    let (_, given, family, phone, erased_at, email) = row;
    // The placeholder email of an erased account is no one's to find.
    match erased_at {
        Some(_) => String::new(),
        None => search_key(given, family.as_deref(), Some(email), phone.as_deref()),
    }
}

fn write_search_key(conn: &mut DbConn, row: &KeySource) -> Result<()> {
    diesel::update(patient_profiles::table.find(&row.0))
        .set(patient_profiles::search_key.eq(Some(key_of(row))))
        .execute(conn)?;
    Ok(())
}

/// Rows the start-up backfill computes per transaction.
pub const BACKFILL_BATCH: i64 = 500;

/// Computes the search key of every patient who has none yet (rows written before the column
/// existed: a migration cannot fold Unicode the same way on both backends), `BACKFILL_BATCH`
/// rows per transaction, until none is left. Idempotent: a second run, or two processes
/// starting together, find nothing left or write the same keys. Returns how many rows it wrote.
///
/// Rows are only filled while still missing (`search_key IS NULL` in the update itself), so a
/// key written meanwhile by a correction on another replica is never overwritten with one read
/// before it. Erased patients whose key a process of the previous release left in place (it
/// cleared only `search_text`) get '' too.
pub fn backfill_search_keys(conn: &mut DbConn) -> Result<usize> {
    let mut written = diesel::update(
        patient_profiles::table
            .filter(patient_profiles::erased_at.is_not_null())
            .filter(patient_profiles::search_key.ne("")),
    )
    .set(patient_profiles::search_key.eq(Some(String::new())))
    .execute(conn)?;
    loop {
        let n = write_transaction(conn, |c| {
            let rows: Vec<KeySource> = patient_profiles::table
                .inner_join(users::table)
                .filter(patient_profiles::search_key.is_null())
                .order(patient_profiles::user_id.asc())
                .limit(BACKFILL_BATCH)
                .select(KEY_SOURCE)
                .load(c)?;
            for row in &rows {
                diesel::update(
                    patient_profiles::table
                        .find(&row.0)
                        .filter(patient_profiles::search_key.is_null()),
                )
                .set(patient_profiles::search_key.eq(Some(key_of(row))))
                .execute(c)?;
            }
            Ok(rows.len())
        })?;
        written += n;
        if (n as i64) < BACKFILL_BATCH {
            return Ok(written);
        }
    }
}
