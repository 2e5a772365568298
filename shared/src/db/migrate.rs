//! Embedded migrations, one set per backend, applied at start and by `api migrate`.

use diesel::prelude::*;
use diesel::sql_query;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;
use crate::error::Error;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Serialises migrations between processes (api and worker starting together).
const PG_MIGRATION_LOCK: i64 = 0x00af_7e2c_a2e0;

fn migration_error(e: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Internal(anyhow::anyhow!("migration failed: {e}"))
}

/// Applies every pending migration, then fixes what only the service can compute (each a no-op
/// once nothing is left): patients' search keys missing since
/// `2026-12-07-000002_patient_search_key`, and email addresses stored with an
/// internationalised domain in Unicode before domains were normalised (IDNA, see
/// [`crate::domain::email`]). Returns how many migrations ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, Error> {
    let ran = run_migrations(conn)?;
    let keyed = super::patients::backfill_search_keys(conn)?;
    if keyed > 0 {
        tracing::info!(patients = keyed, "patient search keys computed");
    }
    let emails = super::users::normalise_stored_emails(conn)?;
    if emails.rewritten > 0 {
        tracing::info!(
            accounts = emails.rewritten,
            "email addresses rewritten to their ASCII domain form"
        );
    }
    if emails.left > 0 {
        tracing::warn!(
            accounts = emails.left,
            "email addresses left in a form the mailer may not send to"
        );
    }
    Ok(ran)
}

fn run_migrations(conn: &mut DbConn) -> Result<usize, Error> {
    match conn {
        DbConn::Pg(pg) => {
            sql_query(format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})")).execute(pg)?;
            let result = pg.run_pending_migrations(POSTGRES).map(|v| v.len());
            sql_query(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})")).execute(pg)?;
            result.map_err(migration_error)
        }
        // SQLite serialises writers itself; the migration harness runs in a transaction.
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE)
            .map(|v| v.len())
            .map_err(migration_error),
    }
}

/// True when the schema is fully migrated (used by `/readyz`).
pub fn is_up_to_date(conn: &mut DbConn) -> Result<bool, Error> {
    let pending = match conn {
        DbConn::Pg(pg) => pg.has_pending_migration(POSTGRES),
        DbConn::Sqlite(lite) => lite.has_pending_migration(SQLITE),
    };
    pending.map(|p| !p).map_err(migration_error)
}
