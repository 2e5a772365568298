//! The clinic console's browser sessions: an opaque cookie secret, stored as its SHA-256 hash,
//! pointing at a login session (`sessions`). A session revoked for any reason (sign-out,
//! password reset, deactivation) ends the console session with it: the lookup checks
//! `sessions.revoked_at` and the user's status on every request, so API replicas share no
//! memory.
//!
//! The patient web app's sessions (`care::auth::app`) are rows of the same table: each lookup
//! narrows by role (the console takes staff only, the app patients only).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{console_sessions, sessions, users};
use super::sessions as login_sessions;
use super::users::User;
use crate::crypto::{random_token, token_hash};
use crate::domain::SessionId;
use crate::error::Result;

/// Opens a console session within login session `session_id`, valid for `ttl`; returns the
/// cookie secret in clear (never stored so).
pub fn create(
    conn: &mut DbConn,
    session_id: &SessionId,
    ttl: Duration,
    now: NaiveDateTime,
) -> Result<String> {
    let token = random_token();
    diesel::insert_into(console_sessions::table)
        .values((
            console_sessions::token_hash.eq(token_hash(&token)),
            console_sessions::session_id.eq(session_id),
            console_sessions::expires_at.eq(now + ttl),
            console_sessions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The live session behind a cookie secret and its user: unexpired, not revoked. The caller
/// checks the user's role and status.
pub fn find(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<(SessionId, User)>> {
    Ok(console_sessions::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(console_sessions::token_hash.eq(token_hash(token)))
        .filter(console_sessions::expires_at.gt(now))
        .filter(sessions::revoked_at.is_null())
        .select((sessions::id, User::as_select()))
        .first::<(SessionId, User)>(conn)
        .optional()?)
}

/// Signs out: revokes the login session behind the cookie secret and deletes its console rows.
/// Unknown or expired secrets change nothing.
pub fn end(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<()> {
    let found: Option<SessionId> = console_sessions::table
        .filter(console_sessions::token_hash.eq(token_hash(token)))
        .select(console_sessions::session_id)
        .first(conn)
        .optional()?;
    if let Some(session_id) = found {
        login_sessions::revoke(conn, &session_id, login_sessions::reason::LOGOUT, now)?;
        diesel::delete(
            console_sessions::table.filter(console_sessions::session_id.eq(&session_id)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Deletes console sessions that expired before `now` (the daily prune job); returns how many.
pub fn prune(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(console_sessions::table.filter(console_sessions::expires_at.le(now)))
            .execute(conn)?,
    )
}
