//! A clinic's protocol versions: the list, a new draft, one version, editing a draft.

use chrono::NaiveDateTime;

use super::Protocols;
use crate::care::StaffActor;
use crate::db::Db;
use crate::domain::{ProtocolId, ProtocolStatus, UserId};
use crate::error::{Error, Result};
use crate::protocol::ProtocolDocument;

/// One version of the clinic's protocol, without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: ProtocolId,
    /// 1, 2, … per clinic; treatments planned with it record `clinic-<version>`.
    pub version: i32,
    pub status: ProtocolStatus,
    /// `"default"` or the id of the version this one was copied from.
    pub based_on: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<UserId>,
    /// The publishing staff member's display name, when known.
    pub published_by_name: Option<String>,
}

/// One version with its document.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub summary: Summary,
    pub document: ProtocolDocument,
}

/// What a new draft is copied from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasedOn {
    /// The product's default protocol.
    Default,
    /// One of the clinic's own versions (any status).
    Version(ProtocolId),
}

/// The clinic's versions, newest first, `limit` of them after the cursor `before` (an id from
/// the previous page).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<Summary>> {
    let _ = (db, actor, before, limit);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// A new draft: version = the clinic's highest + 1, document copied from the default or from
/// `based_on`. Errors: `Validation` on `based_on` for an unknown or another clinic's version.
pub async fn create(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    based_on: BasedOn,
    now: NaiveDateTime,
) -> Result<Versioned> {
    let _ = (db, protocols, actor, based_on, now);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// One of the clinic's versions. Errors: `NotFound` for an unknown or another clinic's id.
pub async fn get(db: &Db, actor: &StaffActor, id: &ProtocolId) -> Result<Versioned> {
    let _ = (db, actor, id);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// Replaces a draft's document. Errors: `NotFound`; `Conflict` unless draft; `Validation`
/// naming each bad field.
pub async fn update(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    doc: ProtocolDocument,
    now: NaiveDateTime,
) -> Result<Versioned> {
    let _ = (db, protocols, actor, id, doc, now);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}
