//! Login sessions and their rotating refresh tokens.
//!
//! A session is one refresh-token family: each refresh spends the presented token and issues the
//! next one in the same session. Presenting a spent token means it was copied, so the whole
//! session is revoked. Only SHA-256 hashes of the tokens are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{refresh_tokens, sessions};
use super::{DbConn, new_id};
use crate::crypto::{random_token, token_hash};
use crate::domain::{SessionId, UserId};
use crate::error::Result;

pub mod reason {
    pub const LOGOUT: &str = "logout";
    pub const REUSE: &str = "reuse";
    pub const PASSWORD_RESET: &str = "password_reset";
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: String,
    pub session_id: SessionId,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Opens a session for `user_id`; returns its id.
pub fn create(conn: &mut DbConn, user_id: &UserId, now: NaiveDateTime) -> Result<SessionId> {
    let id = SessionId::new();
    diesel::insert_into(sessions::table)
        .values(Session {
            id: id.clone(),
            user_id: user_id.clone(),
            created_at: now,
            last_used_at: now,
            revoked_at: None,
            revoked_reason: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Issues the session's next refresh token and returns it in clear (never stored so).
pub fn issue_refresh(
    conn: &mut DbConn,
    session_id: &SessionId,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<String> {
    let token = random_token();
    diesel::insert_into(refresh_tokens::table)
        .values(RefreshToken {
            id: new_id(),
            session_id: session_id.to_owned(),
            token_hash: token_hash(&token),
            issued_at: now,
            expires_at: now + chrono::Duration::days(ttl_days),
            used_at: None,
        })
        .execute(conn)?;
    diesel::update(sessions::table.find(session_id))
        .set(sessions::last_used_at.eq(now))
        .execute(conn)?;
    Ok(token)
}

/// The token presented by a client, with its session.
pub fn find_refresh(conn: &mut DbConn, token: &str) -> Result<Option<(RefreshToken, Session)>> {
    Ok(refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash(token)))
        .select((RefreshToken::as_select(), Session::as_select()))
        .first(conn)
        .optional()?)
}

/// Spends a refresh token that is unspent and unexpired. `false` otherwise — including when a
/// concurrent request spent it first: the check and the mark are one statement, and it writes
/// before reading so SQLite takes its write lock up front.
pub fn spend_refresh(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash(token)))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::expires_at.gt(now)),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes one session (idempotent: the first reason is kept).
pub fn revoke(
    conn: &mut DbConn,
    session_id: &SessionId,
    why: &str,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(why),
    ))
    .execute(conn)?;
    Ok(())
}

/// Revokes every live session of a user; returns how many.
pub fn revoke_all_for_user(
    conn: &mut DbConn,
    user_id: &UserId,
    why: &str,
    now: NaiveDateTime,
) -> Result<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(why),
    ))
    .execute(conn)?)
}

pub fn find(conn: &mut DbConn, session_id: &SessionId) -> Result<Session> {
    Ok(sessions::table
        .find(session_id)
        .select(Session::as_select())
        .first(conn)?)
}
