//! Web Push's VAPID key at start (issue 27, RFC 8292): the configured key
//! (`AFTERCARE_VAPID_PRIVATE_KEY` or its `_FILE`); else, on the embedded SQLite default, a key
//! generated at first start and kept in the database, so the API (which hands out its public
//! half) and the delivery loop (which signs with it) agree and a restart keeps it; else (a
//! PostgreSQL deployment without a key) Web Push is off: `GET /v1/push/vapid-public-key` is
//! 404, subscriptions are not sent to, and the start-up warning and `/readyz` say so
//! (`crate::care::readiness`).

use super::Db;
use crate::config::{Config, Secret};
use crate::db::{Backend, vapid};
use crate::error::{Error, Result};
use crate::push::webpush::VapidKey;

/// Fills `config.webpush.vapid_private_key` from the database on SQLite when no key is
/// configured (generating and keeping one the first time). Returns whether Web Push is on.
///
/// # Errors
/// The database's; a kept key that no longer parses (`Internal`: the row was edited by hand).
pub async fn provision(db: &Db, config: &mut Config) -> Result<bool> {
    if config.webpush.vapid_private_key.is_some() {
        return Ok(true);
    }
    if db.backend() != Backend::Sqlite {
        return Ok(false);
    }
    let fresh = VapidKey::generate().map_err(|m| Error::Internal(anyhow::anyhow!(m)))?;
    let candidate = fresh.private_key_base64url();
    let kept = db
        .run(move |c| vapid::keep(c, &candidate, crate::time::now()))
        .await?;
    VapidKey::parse(&kept)
        .map_err(|m| Error::Internal(anyhow::anyhow!("the VAPID key kept in the database {m}")))?;
    config.webpush.vapid_private_key = Some(Secret::new(kept));
    Ok(true)
}

/// The public key browsers subscribe with (base64url uncompressed P-256 point), or `None` when
/// Web Push is off. Reads the configuration only (the key was settled at start by
/// [`provision`]).
pub fn public_key(config: &Config) -> Option<String> {
    let raw = config.webpush.vapid_private_key.as_ref()?;
    VapidKey::parse(raw.expose())
        .ok()
        .map(|k| k.public_key().to_owned())
}
