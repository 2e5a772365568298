//! Which protocol plans a patient and triages their check-ins: the product's default, or the
//! clinic's published version a treatment was recorded with. Published versions are immutable,
//! so each is parsed and validated once per process and kept; every replica reaches the same
//! protocol from the same row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::{DbConn, protocols};
use crate::domain::{ClinicId, ProtocolId, ProtocolStatus};
use crate::error::{Error, Result};
use crate::protocol::Protocol;

/// The default protocol and the clinic versions loaded so far. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Protocols {
    default: Arc<Protocol>,
    loaded: Arc<Mutex<HashMap<ProtocolId, Arc<Protocol>>>>,
}

impl Protocols {
    pub fn new(default: Arc<Protocol>) -> Self {
        Self {
            default,
            loaded: Arc::default(),
        }
    }

    /// The product's default protocol (built in, or `AFTERCARE_PROTOCOL_DIR`).
    pub fn default_protocol(&self) -> &Arc<Protocol> {
        &self.default
    }

    /// The protocol a treatment was planned with: its clinic version (`treatments.protocol_id`),
    /// or the default for `None`. A stored version no longer valid against the default (a
    /// default changed under it) gives the default instead, logged at ERROR with the version's
    /// id (`api protocols check` names it); the treatment keeps its recorded
    /// `protocol_version`. Errors: `Internal` when the stored version is missing, still a draft,
    /// or its document does not parse.
    pub fn of(&self, conn: &mut DbConn, id: Option<&ProtocolId>) -> Result<Arc<Protocol>> {
        let Some(id) = id else {
            return Ok(self.default.clone());
        };
        if let Some(p) = self.cached(id) {
            return Ok(p);
        }
        let stored = protocols::find(conn, id)?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("protocol {id} is not stored")))?;
        self.build(&stored)
    }

    /// What a treatment recorded now for the clinic is planned with: its published version and
    /// that version's id, or the default and `None`.
    pub fn published(
        &self,
        conn: &mut DbConn,
        clinic_id: &ClinicId,
    ) -> Result<(Arc<Protocol>, Option<ProtocolId>)> {
        match protocols::published(conn, clinic_id)? {
            None => Ok((self.default.clone(), None)),
            Some(stored) => {
                let p = match self.cached(&stored.id) {
                    Some(p) => p,
                    None => self.build(&stored)?,
                };
                Ok((p, Some(stored.id)))
            }
        }
    }

    /// Drops a version from the cache: after a publish rolled back, the row is a draft again
    /// and may still change.
    pub(super) fn forget(&self, id: &ProtocolId) {
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    fn cached(&self, id: &ProtocolId) -> Option<Arc<Protocol>> {
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn build(&self, stored: &protocols::StoredProtocol) -> Result<Arc<Protocol>> {
        if stored.status == ProtocolStatus::Draft {
            return Err(Error::Internal(anyhow::anyhow!(
                "protocol {} is a draft and plans nobody",
                stored.id
            )));
        }
        let doc = super::versions::document_of(stored)?;
        // A published version was valid against the default when it was published; a later
        // default (a triage rule added, a fact retired) may refuse it. Its patients are then
        // planned with the default rather than not at all, and operators are told (`api
        // protocols check` names the version).
        let built = match self.default.with_document(&stored.label(), &doc) {
            Ok(built) => built,
            Err(errors) => {
                tracing::error!(
                    protocol_id = %stored.id,
                    errors = errors.len(),
                    first_field = errors.first().map(|e| e.field.as_str()).unwrap_or(""),
                    "a published clinic protocol is not valid against this default: its patients are planned with the default"
                );
                (*self.default).clone()
            }
        };
        let built = Arc::new(built);
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(stored.id.clone(), built.clone());
        Ok(built)
    }
}
