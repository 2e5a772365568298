//! Login sessions and their rotating refresh tokens.
//!
//! A session is one refresh-token family: each refresh spends the presented token and issues the
//! next one in the same session. Presenting a spent token means it was copied, so the whole
//! session is revoked — unless it comes back within the reuse interval
//! (`AFTERCARE_REFRESH_REUSE_SECS`): mobile apps send one refresh twice (two screens, a retry
//! after a timeout), and that duplicate gets the same successor. Only SHA-256 hashes of the
//! tokens are stored, plus, for the reuse interval, the successor sealed with a key derived from
//! the spent token, which the database never holds.

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
    pub const DEACTIVATED: &str = "deactivated";
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
    pub successor_sealed: Option<String>,
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
            successor_sealed: None,
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

/// Keeps the successor of the spent `token` for a duplicate refresh, sealed with a key derived
/// from `token` (so the stored value is useless without the spent token itself), and clears the
/// successors the session kept from refreshes older than `reuse_secs`.
pub fn keep_successor(
    conn: &mut DbConn,
    session_id: &SessionId,
    token: &str,
    successor: &str,
    reuse_secs: i64,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::session_id.eq(session_id))
            .filter(refresh_tokens::successor_sealed.is_not_null())
            .filter(refresh_tokens::used_at.lt(now - chrono::Duration::seconds(reuse_secs))),
    )
    .set(refresh_tokens::successor_sealed.eq(None::<String>))
    .execute(conn)?;
    diesel::update(refresh_tokens::table.filter(refresh_tokens::token_hash.eq(token_hash(token))))
        .set(refresh_tokens::successor_sealed.eq(seal(token, successor)))
        .execute(conn)?;
    Ok(())
}

/// The successor kept for a duplicate of the spent `token`, when `now` is within `reuse_secs`
/// of the first refresh; `None` otherwise (a reuse).
pub fn kept_successor(
    conn: &mut DbConn,
    token: &str,
    reuse_secs: i64,
    now: NaiveDateTime,
) -> Result<Option<String>> {
    let row: Option<(Option<NaiveDateTime>, Option<String>)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash(token)))
        .select((refresh_tokens::used_at, refresh_tokens::successor_sealed))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((Some(used), Some(sealed))) if now - used <= chrono::Duration::seconds(reuse_secs) => {
            unseal(token, &sealed)
        }
        _ => None,
    })
}

/// XOR with a SHA-256 key stream derived from the spent token (a fresh 256-bit random secret,
/// used for this one value only), base64 encoded.
fn seal(token: &str, successor: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(xor_stream(token, successor.as_bytes()))
}

fn unseal(token: &str, sealed: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .ok()?;
    String::from_utf8(xor_stream(token, &bytes)).ok()
}

fn xor_stream(token: &str, data: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    data.chunks(32)
        .enumerate()
        .flat_map(|(i, chunk)| {
            let key = Sha256::new()
                .chain_update(b"aftercare refresh successor\0")
                .chain_update((i as u64).to_be_bytes())
                .chain_update(token.as_bytes())
                .finalize();
            chunk
                .iter()
                .zip(key)
                .map(|(b, k)| b ^ k)
                .collect::<Vec<u8>>()
        })
        .collect()
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

/// Whether `session_id` is `user_id`'s and neither revoked nor deleted: what every request's
/// access token is checked against (a primary-key lookup).
pub fn is_live(conn: &mut DbConn, session_id: &SessionId, user_id: &UserId) -> Result<bool> {
    let query = sessions::table
        .find(session_id)
        .select((sessions::user_id, sessions::revoked_at));
    let owner: Option<(UserId, Option<NaiveDateTime>)> =
        super::on_backend!(conn, |c| query.first(c).optional()?);
    Ok(matches!(owner, Some((owner, None)) if &owner == user_id))
}

/// Deletes every session of the user with its refresh tokens (erasure); returns how many.
pub fn delete_all_for_user(conn: &mut DbConn, user_id: &UserId) -> Result<usize> {
    let ids = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(sessions::id);
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::session_id.eq_any(ids)))
        .execute(conn)?;
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

pub fn find(conn: &mut DbConn, session_id: &SessionId) -> Result<Session> {
    Ok(sessions::table
        .find(session_id)
        .select(Session::as_select())
        .first(conn)?)
}
