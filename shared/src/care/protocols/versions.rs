//! A clinic's protocol versions: the list, a new draft, one version, editing a draft.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::Protocols;
use crate::care::StaffActor;
use crate::db::protocols::{self as store, EditRow, StoredProtocol};
use crate::db::{Db, DbConn, audit, new_id, users};
use crate::domain::{AuditAction, ProtocolEditAction, ProtocolId, ProtocolStatus, UserId};
use crate::error::{Error, Result};
use crate::protocol::{Protocol, ProtocolDocument};

/// One version of the clinic's protocol, without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: ProtocolId,
    /// 1, 2, … per clinic, in order of creation; treatments planned with it record
    /// `clinic-<version>` as their `protocol_version`.
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

/// The clinic's versions, newest first: at most `limit` of them older than the cursor
/// `before` (the id of the previous page's last version; an id that is not the clinic's
/// starts from the newest).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<Summary>> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| {
        let before = before.map(ProtocolId::from);
        let rows = store::list_page(c, &clinic_id, before.as_ref(), limit.max(0))?;
        summaries(c, rows)
    })
    .await
}

/// A new draft: version = the clinic's highest + 1, document copied from the product's default
/// or from one of the clinic's versions. Audited `protocol.create`, with an edit row holding
/// the document. Errors: `Validation` on `based_on` for an unknown or another clinic's
/// version; database errors.
pub async fn create(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    based_on: BasedOn,
    now: NaiveDateTime,
) -> Result<Versioned> {
    let default_doc = match based_on {
        BasedOn::Default => Some(protocols.default_protocol().document()),
        BasedOn::Version(_) => None,
    };
    let default_version = protocols.default_protocol().version().to_owned();
    // Two drafts created at once may take the same number; the loser tries again.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (actor, based_on) = (actor.clone(), based_on.clone());
        let (default_doc, default_version) = (default_doc.clone(), default_version.clone());
        let made = db
            .transaction(move |c| {
                let (document, based_on) = match (based_on, default_doc) {
                    (BasedOn::Version(id), _) => {
                        let source =
                            store::find_in_clinic(c, &actor.clinic_id, &id)?.ok_or_else(|| {
                                Error::invalid(
                                    "based_on",
                                    "no version of this clinic's protocol has this id",
                                )
                            })?;
                        (source.document, id.into_string())
                    }
                    (BasedOn::Default, Some(doc)) => (to_json(&doc)?, "default".to_owned()),
                    (BasedOn::Default, None) => {
                        return Err(Error::Internal(anyhow::anyhow!("default document missing")));
                    }
                };
                let stored = StoredProtocol {
                    id: ProtocolId::new(),
                    clinic_id: actor.clinic_id.clone(),
                    version: store::next_version(c, &actor.clinic_id)?,
                    status: ProtocolStatus::Draft,
                    based_on,
                    default_version,
                    document,
                    created_by: actor.user_id.clone(),
                    created_at: now,
                    updated_by: actor.user_id.clone(),
                    updated_at: now,
                    published_by: None,
                    published_at: None,
                };
                store::insert(c, &stored)?;
                let after = stored.document.clone();
                record_edit(
                    c,
                    &actor,
                    &stored.id,
                    ProtocolEditAction::Create,
                    None,
                    after,
                    now,
                )?;
                audit::record(
                    c,
                    &actor.clinic_id,
                    Some(&actor.user_id),
                    AuditAction::ProtocolCreate,
                    None,
                    now,
                )?;
                versioned(c, stored)
            })
            .await;
        match made {
            Err(e) if e.is_unique_violation() && attempt < 5 => continue,
            other => return other,
        }
    }
}

/// One of the clinic's versions with its document. Errors: `NotFound` for an unknown or
/// another clinic's id.
pub async fn get(db: &Db, actor: &StaffActor, id: &ProtocolId) -> Result<Versioned> {
    let (clinic_id, id) = (actor.clinic_id.clone(), id.clone());
    db.run(move |c| {
        let stored = store::find_in_clinic(c, &clinic_id, &id)?.ok_or(Error::NotFound)?;
        versioned(c, stored)
    })
    .await
}

/// Replaces a draft's document after validating it against the default
/// ([`Protocol::with_document`]). Audited `protocol.update`, with an edit row holding the
/// document before and after. Errors: `NotFound` for an unknown or another clinic's id;
/// `Conflict` for a published or retired version (immutable), and for a draft whose
/// `updated_at` is no longer `expected_updated_at` (someone saved it since the caller read it:
/// the console's forms carry the revision they were drawn from; `None` skips the check, as the
/// JSON API does); `Validation` naming each bad field by its JSON path
/// (`prompts[3].texts.es.body`).
pub async fn update(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    doc: ProtocolDocument,
    expected_updated_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Versioned> {
    let (actor, id) = (actor.clone(), id.clone());
    let default = protocols.default_protocol().clone();
    // Stored as patients will read it, whoever sent it (the API, the console): trimmed, `\n`
    // line breaks.
    let doc = doc.normalised();
    db.transaction(move |c| {
        let stored = store::lock_in_clinic(c, &actor.clinic_id, &id)?.ok_or(Error::NotFound)?;
        if stored.status != ProtocolStatus::Draft {
            return Err(immutable(&stored));
        }
        if expected_updated_at.is_some_and(|at| at != stored.updated_at) {
            return Err(Error::Conflict(CHANGED_SINCE.to_owned()));
        }
        build(&default, &stored.label(), &doc)?;
        let after = to_json(&doc)?;
        if !store::set_document(c, &id, &after, &actor.user_id, now)? {
            return Err(immutable(&stored));
        }
        let before = Some(stored.document.clone());
        record_edit(
            c,
            &actor,
            &id,
            ProtocolEditAction::Update,
            before,
            after,
            now,
        )?;
        audit::record(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::ProtocolUpdate,
            None,
            now,
        )?;
        let stored = store::find(c, &id)?.ok_or(Error::NotFound)?;
        versioned(c, stored)
    })
    .await
}

/// The `Conflict` reason when a draft changed after the caller read it.
pub const CHANGED_SINCE: &str =
    "the draft changed since it was read: reload it and make the change again";

/// The default with `doc` applied, or every bad field as `Validation`.
pub(super) fn build(default: &Protocol, label: &str, doc: &ProtocolDocument) -> Result<Protocol> {
    default.with_document(label, doc).map_err(Error::Validation)
}

/// The `Conflict` for a change to a version that is no longer a draft.
pub(super) fn immutable(stored: &StoredProtocol) -> Error {
    Error::Conflict(format!(
        "version {} is {}: only a draft can change; create a new draft from it",
        stored.version,
        stored.status.as_str()
    ))
}

/// A stored version's document. Errors: `Internal` when it does not parse (rows are written
/// from parsed documents only).
pub(super) fn document_of(stored: &StoredProtocol) -> Result<ProtocolDocument> {
    serde_json::from_str(&stored.document).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "protocol {} does not parse: {e}",
            stored.id
        ))
    })
}

pub(super) fn to_json(doc: &ProtocolDocument) -> Result<String> {
    serde_json::to_string(doc).map_err(|e| Error::Internal(e.into()))
}

pub(super) fn record_edit(
    c: &mut DbConn,
    actor: &StaffActor,
    id: &ProtocolId,
    action: ProtocolEditAction,
    before: Option<String>,
    after: String,
    now: NaiveDateTime,
) -> Result<()> {
    store::insert_edit(
        c,
        &EditRow {
            id: new_id(),
            protocol_id: id.clone(),
            clinic_id: actor.clinic_id.clone(),
            actor_id: actor.user_id.clone(),
            action,
            before,
            after,
            at: now,
        },
    )
}

pub(super) fn versioned(c: &mut DbConn, stored: StoredProtocol) -> Result<Versioned> {
    let document = document_of(&stored)?;
    let summary = summaries(c, vec![stored])?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("summary missing")))?;
    Ok(Versioned { summary, document })
}

/// Summaries of stored versions, with the publishers' names.
pub(super) fn summaries(c: &mut DbConn, rows: Vec<StoredProtocol>) -> Result<Vec<Summary>> {
    let ids: Vec<&UserId> = rows
        .iter()
        .filter_map(|r| r.published_by.as_ref())
        .collect();
    let names: HashMap<UserId, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        users::find_many(c, &ids)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| Summary {
            published_by_name: r.published_by.as_ref().and_then(|u| names.get(u).cloned()),
            id: r.id,
            version: r.version,
            status: r.status,
            based_on: r.based_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
            published_at: r.published_at,
            published_by: r.published_by,
        })
        .collect())
}
