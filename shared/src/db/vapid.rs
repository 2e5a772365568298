//! The VAPID key kept in the database (`vapid_keys`, one row) when one was generated at first
//! start rather than configured.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::vapid_keys;
use crate::error::Result;

/// The kept private key, if any.
pub fn find(conn: &mut DbConn) -> Result<Option<String>> {
    Ok(vapid_keys::table
        .find(1)
        .select(vapid_keys::private_key)
        .first(conn)
        .optional()?)
}

/// Keeps `private_key` unless a key is kept already, and returns the kept one: of two processes
/// starting at once, the first insert wins and both use its key.
pub fn keep(conn: &mut DbConn, private_key: &str, now: NaiveDateTime) -> Result<String> {
    if let Some(kept) = find(conn)? {
        return Ok(kept);
    }
    let inserted = diesel::insert_into(vapid_keys::table)
        .values((
            vapid_keys::id.eq(1),
            vapid_keys::private_key.eq(private_key),
            vapid_keys::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(private_key.to_owned()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(find(conn)?.unwrap_or_else(|| private_key.to_owned())),
        Err(e) => Err(e.into()),
    }
}
