//! One-time codes (invitations and password resets), stored hashed.
//!
//! A code is 16 characters from an alphabet without look-alikes (80 bits), shown to people as
//! four groups (`ABCD-EFGH-JKMN-PQRS`). Input is normalised before hashing, so case, spaces and
//! dashes do not matter when it is typed back.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::invitations;
use crate::crypto::{random_bytes, token_hash};
use crate::domain::InvitationPurpose;
use crate::domain::{InvitationId, UserId};
use crate::error::Result;

/// Lifetime of an account invitation.
pub const INVITATION_TTL_HOURS: i64 = 72;
/// Lifetime of a password-reset code.
pub const RESET_TTL_HOURS: i64 = 1;

/// Crockford's base32 alphabet: no I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LEN: usize = 16;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub user_id: UserId,
    pub purpose: InvitationPurpose,
    pub code_hash: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A fresh code, formatted for people.
pub fn new_code() -> String {
    let raw: String = random_bytes(CODE_LEN)
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// What a typed-in code is hashed as: upper case, separators dropped, look-alikes mapped.
pub fn normalise_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

pub fn code_hash(code: &str) -> String {
    token_hash(&normalise_code(code))
}

/// Stores a new code for `user_id` and returns it (the only time it exists in clear).
pub fn create(
    conn: &mut DbConn,
    user_id: &UserId,
    purpose: InvitationPurpose,
    ttl_hours: i64,
    now: NaiveDateTime,
) -> Result<String> {
    let code = new_code();
    diesel::insert_into(invitations::table)
        .values(Invitation {
            id: InvitationId::new(),
            user_id: user_id.to_owned(),
            purpose,
            code_hash: code_hash(&code),
            expires_at: now + chrono::Duration::hours(ttl_hours),
            used_at: None,
            created_at: now,
        })
        .execute(conn)?;
    Ok(code)
}

/// The unspent, unexpired code of this purpose, if any.
pub fn find_usable(
    conn: &mut DbConn,
    code: &str,
    purpose: InvitationPurpose,
    now: NaiveDateTime,
) -> Result<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::code_hash.eq(code_hash(code)))
        .filter(invitations::purpose.eq(purpose))
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// Spends a code. `false` when it was spent already (a concurrent use won): one statement, so
/// two requests can never both succeed.
pub fn consume(conn: &mut DbConn, id: &InvitationId, now: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Spends every other outstanding code of this purpose for the user (a newer one supersedes).
pub fn consume_all(
    conn: &mut DbConn,
    user_id: &UserId,
    purpose: InvitationPurpose,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        invitations::table
            .filter(invitations::user_id.eq(user_id))
            .filter(invitations::purpose.eq(purpose))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Deletes every code of the user, spent or not (erasure).
pub fn delete_for_user(conn: &mut DbConn, user_id: &UserId) -> Result<usize> {
    Ok(
        diesel::delete(invitations::table.filter(invitations::user_id.eq(user_id)))
            .execute(conn)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typeable_and_normalise() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        assert_ne!(code, new_code());
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(code_hash(&typed), code_hash(&code));
        assert_eq!(normalise_code("ab0O-1iL"), "AB00111");
    }
}
