//! Clinic protocol versions (`clinic_protocols`) and their edit history
//! (`clinic_protocol_edits`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    clinic_protocol_edits, clinic_protocols, patient_profiles, session_bookings, treatments, users,
};
use crate::domain::{
    ClinicId, PatientId, ProtocolEditAction, ProtocolId, ProtocolStatus, TreatmentId, UserId,
};
use crate::error::Result;

/// One version of a clinic's protocol; `document` is its JSON text
/// ([`crate::protocol::ProtocolDocument`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clinic_protocols)]
pub struct StoredProtocol {
    pub id: ProtocolId,
    pub clinic_id: ClinicId,
    pub version: i32,
    pub status: ProtocolStatus,
    pub based_on: String,
    pub default_version: String,
    pub document: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_by: UserId,
    pub updated_at: NaiveDateTime,
    pub published_by: Option<UserId>,
    pub published_at: Option<NaiveDateTime>,
}

impl StoredProtocol {
    /// What treatments planned with this version record as `protocol_version`: `clinic-<n>`.
    pub fn label(&self) -> String {
        format!("clinic-{}", self.version)
    }
}

/// A version by id, whatever its clinic or status.
pub fn find(conn: &mut DbConn, id: &ProtocolId) -> Result<Option<StoredProtocol>> {
    Ok(clinic_protocols::table
        .find(id)
        .select(StoredProtocol::as_select())
        .first(conn)
        .optional()?)
}

/// The clinic's published version, if it has one.
pub fn published(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<Option<StoredProtocol>> {
    Ok(clinic_protocols::table
        .filter(clinic_protocols::clinic_id.eq(clinic_id))
        .filter(clinic_protocols::status.eq(ProtocolStatus::Published))
        .select(StoredProtocol::as_select())
        .first(conn)
        .optional()?)
}

/// One of the clinic's versions; `None` for an unknown id or another clinic's.
pub fn find_in_clinic(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    id: &ProtocolId,
) -> Result<Option<StoredProtocol>> {
    Ok(clinic_protocols::table
        .find(id)
        .filter(clinic_protocols::clinic_id.eq(clinic_id))
        .select(StoredProtocol::as_select())
        .first(conn)
        .optional()?)
}

/// Takes the version's row lock (a no-op update: PostgreSQL row lock, SQLite write lock) and
/// returns it, so concurrent edits and publishes of one version queue up; `None` for an unknown
/// id or another clinic's.
pub fn lock_in_clinic(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    id: &ProtocolId,
) -> Result<Option<StoredProtocol>> {
    let n = diesel::update(
        clinic_protocols::table
            .find(id)
            .filter(clinic_protocols::clinic_id.eq(clinic_id)),
    )
    .set(clinic_protocols::updated_at.eq(clinic_protocols::updated_at))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// The clinic's versions newest first: `limit` of them with a version below the cursor's
/// (`before`, a version id of the clinic; an unknown cursor starts from the newest).
pub fn list_page(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    before: Option<&ProtocolId>,
    limit: i64,
) -> Result<Vec<StoredProtocol>> {
    let below = match before {
        Some(id) => find_in_clinic(conn, clinic_id, id)?.map(|p| p.version),
        None => None,
    };
    let mut q = clinic_protocols::table
        .filter(clinic_protocols::clinic_id.eq(clinic_id))
        .into_boxed();
    if let Some(v) = below {
        q = q.filter(clinic_protocols::version.lt(v));
    }
    Ok(q.order(clinic_protocols::version.desc())
        .limit(limit)
        .select(StoredProtocol::as_select())
        .load(conn)?)
}

/// Every version whose prompts may still be sent, by clinic then version: each clinic's
/// published one, and every retired one a treatment still records (`treatments.protocol_id`),
/// since that treatment keeps being planned with it. Drafts plan nobody and are left out. The
/// content-safety check's input.
pub fn all_in_use(conn: &mut DbConn) -> Result<Vec<StoredProtocol>> {
    Ok(clinic_protocols::table
        .filter(clinic_protocols::status.ne(ProtocolStatus::Draft))
        .filter(
            clinic_protocols::status
                .eq(ProtocolStatus::Published)
                .or(diesel::dsl::exists(treatments::table.filter(
                    treatments::protocol_id.eq(clinic_protocols::id.nullable()),
                ))),
        )
        .order((
            clinic_protocols::clinic_id.asc(),
            clinic_protocols::version.asc(),
        ))
        .select(StoredProtocol::as_select())
        .load(conn)?)
}

/// The version number a new draft of the clinic takes: its highest + 1 (1 for the first).
/// Two drafts created at once collide on `UNIQUE (clinic_id, version)`: the caller retries.
pub fn next_version(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<i32> {
    let max: Option<i32> = clinic_protocols::table
        .filter(clinic_protocols::clinic_id.eq(clinic_id))
        .select(diesel::dsl::max(clinic_protocols::version))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert(conn: &mut DbConn, p: &StoredProtocol) -> Result<()> {
    diesel::insert_into(clinic_protocols::table)
        .values(p)
        .execute(conn)?;
    Ok(())
}

/// Replaces a draft's document (JSON text); a version that is no longer a draft is left as it
/// is and `false` returned.
pub fn set_document(
    conn: &mut DbConn,
    id: &ProtocolId,
    document: &str,
    by: &UserId,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        clinic_protocols::table
            .find(id)
            .filter(clinic_protocols::status.eq(ProtocolStatus::Draft)),
    )
    .set((
        clinic_protocols::document.eq(document),
        clinic_protocols::updated_by.eq(by),
        clinic_protocols::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes the clinic's row lock for the rest of the transaction, so two publishes of one clinic
/// take turns: on PostgreSQL `SELECT … FROM clinics WHERE id = $1 FOR UPDATE` (under READ
/// COMMITTED the second then sees the first's published version and retires it, instead of
/// retiring the old one a second time and breaking `clinic_protocols_published`); on SQLite
/// the write transaction already holds the database's write lock, so nothing is needed.
pub fn lock_clinic(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT id FROM clinics WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(clinic_id.as_str())
            .execute(pg)?;
    }
    Ok(())
}

/// Publishes a draft of the clinic: its published version (if any) becomes `retired` first,
/// so the one-published-per-clinic index holds; returns the retired version's id. Call inside
/// the publishing transaction after [`lock_clinic`]. `false` in the second place when `id` was
/// not a draft (nothing changed then).
pub fn publish(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    id: &ProtocolId,
    by: &UserId,
    now: NaiveDateTime,
) -> Result<(Option<ProtocolId>, bool)> {
    let draft = clinic_protocols::table
        .find(id)
        .filter(clinic_protocols::clinic_id.eq(clinic_id))
        .filter(clinic_protocols::status.eq(ProtocolStatus::Draft))
        .select(clinic_protocols::id)
        .first::<ProtocolId>(conn)
        .optional()?;
    if draft.is_none() {
        return Ok((None, false));
    }
    let previous = published(conn, clinic_id)?.map(|p| p.id);
    if let Some(prev) = &previous {
        diesel::update(clinic_protocols::table.find(prev))
            .set((
                clinic_protocols::status.eq(ProtocolStatus::Retired),
                clinic_protocols::updated_by.eq(by),
                clinic_protocols::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    diesel::update(clinic_protocols::table.find(id))
        .set((
            clinic_protocols::status.eq(ProtocolStatus::Published),
            clinic_protocols::published_by.eq(by),
            clinic_protocols::published_at.eq(now),
            clinic_protocols::updated_by.eq(by),
            clinic_protocols::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok((previous, true))
}

/// One change to a version (`clinic_protocol_edits`): the document before (none for a new
/// draft) and after, as JSON text.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clinic_protocol_edits)]
pub struct EditRow {
    pub id: String,
    pub protocol_id: ProtocolId,
    pub clinic_id: ClinicId,
    pub actor_id: UserId,
    pub action: ProtocolEditAction,
    pub before: Option<String>,
    pub after: String,
    pub at: NaiveDateTime,
}

pub fn insert_edit(conn: &mut DbConn, edit: &EditRow) -> Result<()> {
    diesel::insert_into(clinic_protocol_edits::table)
        .values(edit)
        .execute(conn)?;
    Ok(())
}

/// A version's edits with the acting staff member's name, oldest first.
pub fn edits(conn: &mut DbConn, id: &ProtocolId) -> Result<Vec<(EditRow, String)>> {
    Ok(clinic_protocol_edits::table
        .inner_join(users::table.on(users::id.eq(clinic_protocol_edits::actor_id)))
        .filter(clinic_protocol_edits::protocol_id.eq(id))
        .order((
            clinic_protocol_edits::at.asc(),
            clinic_protocol_edits::id.asc(),
        ))
        .select((EditRow::as_select(), users::name))
        .load(conn)?)
}

/// The clinic's current patients (neither discharged nor erased) who have a treatment or a
/// live booking (a first session booked: its preparation prompts were planned with the
/// clinic's published version), by id: the ones a publish with re-planning re-plans.
pub fn replan_candidates(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<Vec<PatientId>> {
    Ok(patient_profiles::table
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(patient_profiles::discharged_at.is_null())
        .filter(patient_profiles::erased_at.is_null())
        .filter(
            diesel::dsl::exists(
                treatments::table.filter(treatments::patient_id.eq(patient_profiles::user_id)),
            )
            .or(diesel::dsl::exists(
                session_bookings::table
                    .filter(session_bookings::patient_id.eq(patient_profiles::user_id))
                    .filter(session_bookings::cancelled_at.is_null()),
            )),
        )
        .order(patient_profiles::user_id.asc())
        .select(patient_profiles::user_id)
        .load(conn)?)
}

/// Moves a treatment to a clinic version: it is planned with `protocol_id` from now on and
/// records `label` (`clinic-<n>`) as its `protocol_version`.
pub fn move_treatment(
    conn: &mut DbConn,
    treatment_id: &TreatmentId,
    protocol_id: &ProtocolId,
    label: &str,
) -> Result<()> {
    diesel::update(treatments::table.find(treatment_id))
        .set((
            treatments::protocol_id.eq(Some(protocol_id)),
            treatments::protocol_version.eq(label),
        ))
        .execute(conn)?;
    Ok(())
}
