//! Failed-login counters shared by every API replica.
//!
//! A key (`email:<sha256>` or `ip:<address>`) counts failures in a fixed window; when it reaches
//! its limit it is locked until the window ends. Counting is one upsert per key, so replicas
//! racing on the same key cannot lose increments.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Text, Timestamp};

use super::DbConn;
use super::schema::login_throttle;
use crate::error::Result;

/// How many failures a key may have within `window` before it is locked.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_failures: i32,
    pub window: Duration,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
struct Row {
    failures: i32,
    window_start: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
}

/// Seconds until the latest lock among `keys` ends, if any key is locked now.
pub fn locked_for(conn: &mut DbConn, keys: &[String], now: NaiveDateTime) -> Result<Option<u64>> {
    let until: Option<NaiveDateTime> = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::locked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::locked_until))
        .first(conn)?;
    Ok(until.map(|u| seconds_until(u, now)))
}

/// Counts one failure for `key`, locking it when the limit is reached.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<()> {
    let row = count(conn, key, limit, now)?;
    if row.failures >= limit.max_failures && row.locked_until.is_none() {
        lock(conn, key, &row, limit)?;
    }
    Ok(())
}

/// Takes one attempt for `key` before the work it guards is done: the attempt is counted
/// first (one upsert, so `N` concurrent attempts count `N` and none can slip past the check in
/// between), then checked. `Some(seconds to wait)` when the key was locked or this attempt is
/// beyond `limit` (the key is then locked for the rest of its window); `None` when the
/// attempt may go ahead. The attempt that reaches the limit goes ahead and locks the key, as a
/// failure would: a caller whose attempt succeeds gives it back ([`give_back`], or [`reset`]).
/// Call it inside the transaction that does the guarded work, so the count and the work commit
/// together.
pub fn take_attempt(
    conn: &mut DbConn,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<Option<u64>> {
    let row = count(conn, key, limit, now)?;
    if let Some(until) = row.locked_until.filter(|u| *u > now) {
        return Ok(Some(seconds_until(until, now)));
    }
    if row.failures >= limit.max_failures {
        let until = lock(conn, key, &row, limit)?;
        if row.failures > limit.max_failures {
            return Ok(Some(seconds_until(until, now)));
        }
    }
    Ok(None)
}

/// Gives back an attempt taken by [`take_attempt`] that succeeded: one failure fewer, and the
/// lock lifted when the key is back under `limit`.
pub fn give_back(conn: &mut DbConn, key: &str, limit: Limit) -> Result<()> {
    diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)?;
    diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failures.lt(limit.max_failures)),
    )
    .set(login_throttle::locked_until.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(())
}

fn seconds_until(until: NaiveDateTime, now: NaiveDateTime) -> u64 {
    u64::try_from((until - now).num_seconds() + 1).unwrap_or(1)
}

/// Locks `key` until its window ends; returns that end.
fn lock(conn: &mut DbConn, key: &str, row: &Row, limit: Limit) -> Result<NaiveDateTime> {
    let until = row.window_start + limit.window;
    diesel::update(login_throttle::table.find(key))
        .set(login_throttle::locked_until.eq(until))
        .execute(conn)?;
    Ok(until)
}

/// Adds one failure to `key` (starting a new window when the last one has ended) and returns
/// the row as it now is.
fn count(conn: &mut DbConn, key: &str, limit: Limit, now: NaiveDateTime) -> Result<Row> {
    // A window that has ended starts over at this failure.
    const PG: &str = "INSERT INTO login_throttle (key, failures, window_start, locked_until) \
        VALUES ($1, 1, $2, NULL) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
        locked_until = CASE WHEN login_throttle.window_start <= $3 THEN NULL ELSE login_throttle.locked_until END, \
        window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END";
    const SQLITE: &str = "INSERT INTO login_throttle (key, failures, window_start, locked_until) \
        VALUES (?1, 1, ?2, NULL) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.failures + 1 END, \
        locked_until = CASE WHEN login_throttle.window_start <= ?3 THEN NULL ELSE login_throttle.locked_until END, \
        window_start = CASE WHEN login_throttle.window_start <= ?3 THEN ?2 ELSE login_throttle.window_start END";
    let expired_before = now - limit.window;
    match conn {
        DbConn::Pg(pg) => sql_query(PG)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired_before)
            .execute(pg)?,
        DbConn::Sqlite(lite) => sql_query(SQLITE)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired_before)
            .execute(lite)?,
    };
    Ok(login_throttle::table
        .find(key)
        .select(Row::as_select())
        .first(conn)?)
}

/// The key counting one account's failures: `email:` and the SHA-256 of the normalised email,
/// so the table never holds an address.
pub fn account_key(email: &str) -> String {
    format!("email:{}", crate::crypto::token_hash(email))
}

/// The key counting one account's password-reset requests.
pub fn reset_request_key(email: &str) -> String {
    format!("reset:{}", account_key(email))
}

/// The key counting sign-in attempts (code redemptions) made with a phone number: `phone:` and
/// the SHA-256 of its digits, so the table never holds a number.
pub fn phone_key(digits: &str) -> String {
    format!("phone:{}", crate::crypto::token_hash(digits))
}

/// The key counting sign-in code requests for one account key ([`account_key`] or
/// [`phone_key`]).
pub fn sign_in_request_key(key: &str) -> String {
    format!("signin:{key}")
}

/// Forgets a key's failures (after a successful login).
pub fn reset(conn: &mut DbConn, key: &str) -> Result<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
