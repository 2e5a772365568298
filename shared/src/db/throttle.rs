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
    Ok(until.map(|u| {
        let secs = (u - now).num_seconds() + 1;
        u64::try_from(secs).unwrap_or(1)
    }))
}

/// Counts one failure for `key`, locking it when the limit is reached.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<()> {
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
    let row: Row = login_throttle::table
        .find(key)
        .select(Row::as_select())
        .first(conn)?;
    if row.failures >= limit.max_failures && row.locked_until.is_none() {
        diesel::update(login_throttle::table.find(key))
            .set(login_throttle::locked_until.eq(row.window_start + limit.window))
            .execute(conn)?;
    }
    Ok(())
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
