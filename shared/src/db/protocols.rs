//! Clinic protocol versions (`clinic_protocols`) and their edit history
//! (`clinic_protocol_edits`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::clinic_protocols;
use crate::domain::{ClinicId, ProtocolId, ProtocolStatus, UserId};
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
