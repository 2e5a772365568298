//! Content safety over the database: every clinic's published version checked.

use super::Protocols;
use crate::db::Db;
use crate::domain::ProtocolId;
use crate::error::{Error, Result};

/// One problem the content-safety check found in a version.
pub type SafetyProblem = String;

/// Every published version whose content fails the safety check, with its problems.
pub async fn check_published(
    db: &Db,
    protocols: &Protocols,
) -> Result<Vec<(ProtocolId, Vec<SafetyProblem>)>> {
    let _ = (db, protocols);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}
