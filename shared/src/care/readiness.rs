//! What the readiness probes (`/readyz` of the API and of a standalone worker) say of the
//! database.

use super::Db;
use crate::db::migrate;

/// `ok`, `migrations pending` or `unreachable`: the database answers and every embedded
/// migration is applied, it answers but is behind, or it does not answer (logged as a warning).
/// Never an error: the probe reports, it does not fail.
pub async fn database_state(db: &Db) -> &'static str {
    match db.run(migrate::is_up_to_date).await {
        Ok(true) => "ok",
        Ok(false) => "migrations pending",
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            "unreachable"
        }
    }
}
