//! One-time sign-in codes (`POST /v1/auth/sign-in-codes`): six digits, stored as a salted hash.
//!
//! A code is drawn uniformly from 000000–999999 by the operating system's CSPRNG. Its hash is
//! SHA-256 of `<row id>:<code>`: the row id salts it, so one precomputed table does not serve
//! every row. A million codes cannot resist offline guessing, so what protects a code is its
//! short life ([`TTL_MINUTES`]), single use, [`MAX_FAILED_ATTEMPTS`] and the login throttle in
//! front of it, not the hash. Comparisons are constant-time ([`matches`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use subtle::ConstantTimeEq;

use super::DbConn;
use super::schema::sign_in_codes;
use crate::crypto::token_hash;
use crate::domain::{SignInCodeId, UserId};
use crate::error::Result;

/// Lifetime of a sign-in code, in minutes (docs/CONTRACT.md, v1 additions: "valid 15 min").
pub const TTL_MINUTES: i64 = 15;
/// Wrong codes typed against a live code before it is revoked.
pub const MAX_FAILED_ATTEMPTS: i32 = 5;
/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sign_in_codes)]
pub struct SignInCode {
    pub id: SignInCodeId,
    pub user_id: UserId,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub failed_attempts: i32,
}

/// A fresh code: six decimal digits, uniform over 000000–999999 (`gen_range` rejects the
/// biased tail, so no value is likelier than another), from the OS CSPRNG.
pub fn new_code() -> String {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    format!("{n:06}")
}

/// What a typed code is compared as: its digits only (`123 456`, `123-456` are `123456`).
pub fn normalise(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

fn hash(id: &SignInCodeId, code: &str) -> String {
    token_hash(&format!("{}:{}", id.as_str(), normalise(code)))
}

/// Whether `typed` is this row's code, compared in constant time (`subtle`): the time taken
/// does not depend on how many characters of the hash match.
pub fn matches(row: &SignInCode, typed: &str) -> bool {
    let given = hash(&row.id, typed);
    given.as_bytes().ct_eq(row.code_hash.as_bytes()).into()
}

/// The same work as [`matches`] against no row, for a sign-in attempt with no live code (so an
/// unknown account costs what a known one does).
pub fn match_nothing(typed: &str) -> bool {
    let given = hash(&SignInCodeId::new(), typed);
    let other = token_hash("");
    let _same: bool = given.as_bytes().ct_eq(other.as_bytes()).into();
    false
}

/// Revokes the account's unused codes (a new request supersedes them).
pub fn revoke_unused(conn: &mut DbConn, user_id: &UserId, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::update(
        sign_in_codes::table
            .filter(sign_in_codes::user_id.eq(user_id))
            .filter(sign_in_codes::used_at.is_null())
            .filter(sign_in_codes::revoked_at.is_null()),
    )
    .set(sign_in_codes::revoked_at.eq(now))
    .execute(conn)?)
}

/// Stores a new code for `user_id`, valid [`TTL_MINUTES`], and returns it (the only time it
/// exists in clear). The caller revokes the older ones first ([`revoke_unused`]).
pub fn create(conn: &mut DbConn, user_id: &UserId, now: NaiveDateTime) -> Result<String> {
    let code = new_code();
    let id = SignInCodeId::new();
    diesel::insert_into(sign_in_codes::table)
        .values(SignInCode {
            code_hash: hash(&id, &code),
            id,
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at: now + chrono::Duration::minutes(TTL_MINUTES),
            used_at: None,
            revoked_at: None,
            failed_attempts: 0,
        })
        .execute(conn)?;
    Ok(code)
}

/// Reserves one attempt against every live code of these accounts that has attempts left, and
/// returns the codes reserved: the only ones a typed code may be compared with. Each is one
/// conditional increment (`failed_attempts < MAX_FAILED_ATTEMPTS`, still live), so however many
/// requests race, a code is compared at most [`MAX_FAILED_ATTEMPTS`] times: the attempt is
/// counted before the comparison, not after it. Call it in the transaction that then spends the
/// code ([`consume`], [`give_back`]) or revokes it ([`revoke_spent`]); on PostgreSQL the
/// reserved rows stay locked until then.
pub fn reserve_attempts(
    conn: &mut DbConn,
    user_ids: &[UserId],
    now: NaiveDateTime,
) -> Result<Vec<SignInCode>> {
    let candidates: Vec<SignInCodeId> = sign_in_codes::table
        .filter(sign_in_codes::user_id.eq_any(user_ids))
        .filter(sign_in_codes::failed_attempts.lt(MAX_FAILED_ATTEMPTS))
        .filter(sign_in_codes::used_at.is_null())
        .filter(sign_in_codes::revoked_at.is_null())
        .filter(sign_in_codes::expires_at.gt(now))
        .select(sign_in_codes::id)
        .load(conn)?;
    let mut reserved = Vec::new();
    for id in candidates {
        let n = diesel::update(
            sign_in_codes::table
                .filter(sign_in_codes::id.eq(&id))
                .filter(sign_in_codes::failed_attempts.lt(MAX_FAILED_ATTEMPTS))
                .filter(sign_in_codes::used_at.is_null())
                .filter(sign_in_codes::revoked_at.is_null())
                .filter(sign_in_codes::expires_at.gt(now)),
        )
        .set(sign_in_codes::failed_attempts.eq(sign_in_codes::failed_attempts + 1))
        .execute(conn)?;
        if n == 1 {
            reserved.push(id);
        }
    }
    Ok(sign_in_codes::table
        .filter(sign_in_codes::id.eq_any(&reserved))
        .select(SignInCode::as_select())
        .load(conn)?)
}

/// Spends a code whose attempt was reserved ([`reserve_attempts`]). `false` when it is no
/// longer live (used, revoked or expired meanwhile) or over [`MAX_FAILED_ATTEMPTS`]: one
/// statement, so two requests can never both succeed.
pub fn consume(conn: &mut DbConn, id: &SignInCodeId, now: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        sign_in_codes::table
            .filter(sign_in_codes::id.eq(id))
            .filter(sign_in_codes::failed_attempts.le(MAX_FAILED_ATTEMPTS))
            .filter(sign_in_codes::used_at.is_null())
            .filter(sign_in_codes::revoked_at.is_null())
            .filter(sign_in_codes::expires_at.gt(now)),
    )
    .set(sign_in_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives back the attempts reserved on these codes ([`reserve_attempts`]) by a sign-in that
/// matched: `failed_attempts` counts wrong codes only.
pub fn give_back(conn: &mut DbConn, ids: &[SignInCodeId]) -> Result<()> {
    diesel::update(
        sign_in_codes::table
            .filter(sign_in_codes::id.eq_any(ids))
            .filter(sign_in_codes::failed_attempts.gt(0)),
    )
    .set(sign_in_codes::failed_attempts.eq(sign_in_codes::failed_attempts - 1))
    .execute(conn)?;
    Ok(())
}

/// After a wrong code: revokes those of these codes that have had their
/// [`MAX_FAILED_ATTEMPTS`] (the reserved attempt stays counted).
pub fn revoke_spent(conn: &mut DbConn, ids: &[SignInCodeId], now: NaiveDateTime) -> Result<()> {
    diesel::update(
        sign_in_codes::table
            .filter(sign_in_codes::id.eq_any(ids))
            .filter(sign_in_codes::failed_attempts.ge(MAX_FAILED_ATTEMPTS))
            .filter(sign_in_codes::used_at.is_null())
            .filter(sign_in_codes::revoked_at.is_null()),
    )
    .set(sign_in_codes::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Every code of the account, live or not (tests and erasure).
pub fn all_for(conn: &mut DbConn, user_id: &UserId) -> Result<Vec<SignInCode>> {
    Ok(sign_in_codes::table
        .filter(sign_in_codes::user_id.eq(user_id))
        .order(sign_in_codes::created_at.asc())
        .select(SignInCode::as_select())
        .load(conn)?)
}

/// Deletes every code of the account (erasure).
pub fn delete_for_user(conn: &mut DbConn, user_id: &UserId) -> Result<usize> {
    Ok(
        diesel::delete(sign_in_codes::table.filter(sign_in_codes::user_id.eq(user_id)))
            .execute(conn)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_compare_by_digits() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_DIGITS);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        let id = SignInCodeId::new();
        let row = SignInCode {
            code_hash: hash(&id, "012345"),
            id,
            user_id: UserId::new(),
            created_at: chrono::NaiveDateTime::default(),
            expires_at: chrono::NaiveDateTime::default(),
            used_at: None,
            revoked_at: None,
            failed_attempts: 0,
        };
        assert!(matches(&row, "012345") && matches(&row, " 012-345 "));
        assert!(!matches(&row, "012346") && !matches(&row, "12345") && !matches(&row, ""));
        assert!(!match_nothing("012345"));
    }

    #[test]
    fn the_salt_makes_equal_codes_hash_apart() {
        assert_ne!(
            hash(&SignInCodeId::new(), "000000"),
            hash(&SignInCodeId::new(), "000000")
        );
    }
}
