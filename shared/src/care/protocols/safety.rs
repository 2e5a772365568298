//! Content safety over the database: every version whose prompts may still be sent, checked.

use super::Protocols;
use crate::db::Db;
use crate::db::protocols as store;
use crate::domain::ProtocolId;
use crate::error::Result;

pub use crate::protocol::safety::SafetyProblem;

/// Runs the content-safety check ([`crate::protocol::safety::check`]) on every version whose
/// prompts may still be sent ([`store::all_in_use`]): each clinic's published version, and
/// every retired one still recorded by a treatment (that treatment is still planned with it):
/// each prompt rendered in both languages for every combination of the
/// conditions it tests, with the real push payloads within the providers' limits. Returns only the
/// versions with problems, with their problems; empty when every clinic's content is safe.
/// A version that is no longer valid against the current default (which plans its
/// patients with the default instead, see [`Protocols::of`]) is reported with one problem per
/// refused entry, keyed by its JSON path. Errors: `Internal` for a stored document that does
/// not parse; database errors.
pub async fn check_published(
    db: &Db,
    protocols: &Protocols,
) -> Result<Vec<(ProtocolId, Vec<SafetyProblem>)>> {
    let registry = protocols.clone();
    db.run(move |c| {
        let mut found = Vec::new();
        for stored in store::all_in_use(c)? {
            let doc = super::versions::document_of(&stored)?;
            let problems = match registry
                .default_protocol()
                .with_document(&stored.label(), &doc)
            {
                Ok(protocol) => crate::protocol::safety::check(&protocol),
                Err(errors) => errors
                    .into_iter()
                    .map(|e| SafetyProblem {
                        prompt_key: e.field,
                        locale: crate::domain::Locale::En,
                        message: format!(
                            "no longer valid against the default protocol ({}); its patients \
                             are planned with the default",
                            e.message
                        ),
                    })
                    .collect(),
            };
            if !problems.is_empty() {
                found.push((stored.id, problems));
            }
        }
        Ok(found)
    })
    .await
}
