//! Content safety over the database: every clinic's published version checked.

use super::Protocols;
use crate::db::Db;
use crate::db::protocols as store;
use crate::domain::ProtocolId;
use crate::error::Result;

pub use crate::protocol::safety::SafetyProblem;

/// Runs the content-safety check ([`crate::protocol::safety::check`]) on the published version
/// of every clinic: each prompt rendered in both languages for every combination of the
/// conditions it tests, with the real push payloads within the providers' limits. Returns only the
/// versions with problems, with their problems; empty when every clinic's content is safe.
/// Errors: `Internal` when a published version no longer builds; database errors.
pub async fn check_published(
    db: &Db,
    protocols: &Protocols,
) -> Result<Vec<(ProtocolId, Vec<SafetyProblem>)>> {
    let registry = protocols.clone();
    db.run(move |c| {
        let mut found = Vec::new();
        for stored in store::all_published(c)? {
            let protocol = registry.of(c, Some(&stored.id))?;
            let problems = crate::protocol::safety::check(&protocol);
            if !problems.is_empty() {
                found.push((stored.id, problems));
            }
        }
        Ok(found)
    })
    .await
}
