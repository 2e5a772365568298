//! Send permits shared by every worker: a push provider project's quota, counted in short
//! windows on one row per project (`push_quotas`, key e.g. `fcm:<project_id>`), and the pause a
//! provider's 429 puts on the project.
//!
//! A worker reserves permits in chunks with one upsert: one round trip and one short row lock
//! per chunk, not per send, and N workers together never take more than a window holds,
//! whatever their number. The database is the only authority between workers; each worker
//! hands its reserved permits to its own sends (`worker::quota`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamp};

use super::DbConn;
use super::raw::{self, Param, Sql};
use super::schema::push_quotas;
use crate::error::Result;

/// How far ahead of a reserving worker's window the row's window may be and still be obeyed.
pub const MAX_SKEW_SECS: i64 = 5;

/// The longest pause a 429 sets (its `Retry-After`, capped); a pause ending later than this
/// from a worker's `now` was set by a clock that runs ahead and is ignored.
pub const MAX_PAUSE_SECS: i64 = 300;

/// The latest pause end a worker whose clock reads `now` obeys: the longest pause, plus the
/// skew allowed between workers' clocks.
fn latest_pause(now: NaiveDateTime) -> NaiveDateTime {
    now + chrono::Duration::seconds(MAX_PAUSE_SECS + MAX_SKEW_SECS)
}

/// The answer to one reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Grant {
    /// Permits reserved, `0..=want`: 0 when the window is spent or the project is paused.
    #[diesel(sql_type = BigInt)]
    pub granted: i64,
    /// The window the permits belong to: the one asked for, or a later one when another
    /// worker (whose clock is ahead) already opened it. Permits may be used from this instant
    /// until the window ends, never before.
    #[diesel(sql_type = Timestamp)]
    pub window_start: NaiveDateTime,
    /// No worker sends to the project before this instant (set from a 429's `Retry-After`).
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub paused_until: Option<NaiveDateTime>,
}

/// Reserves up to `want` of the `capacity` permits of the window starting at `window_start`
/// for project `key`, and returns how many were granted, in which window, and any pause.
///
/// One atomic upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): a row whose window is
/// older starts the new window with this reservation; a row already in this window (or a later
/// one, up to [`MAX_SKEW_SECS`] ahead) grants what is left of it; a paused project grants
/// nothing. Within that skew windows never move back, so a worker whose clock lags a little
/// gets permits of the later window and must wait for its start. A window further ahead, or a
/// pause ending more than [`MAX_PAUSE_SECS`] from `now`, was written by a clock that is wrong:
/// it is replaced rather than obeyed, so one bad clock cannot stall every worker (while such a
/// clock keeps writing, the windows flip between the two clocks and the quota can be exceeded
/// up to twofold; `aftercare_push_throttled_total` then shows 429s).
///
/// # Errors
/// A database error; nothing is reserved then.
pub fn reserve(
    conn: &mut DbConn,
    key: &str,
    want: i64,
    capacity: i64,
    window_start: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Grant> {
    // SET expressions all read the row as it was, so `granted` is this reservation's share.
    // $6: the latest window obeyed; $7: the latest pause end obeyed.
    const PG: &str = "INSERT INTO push_quotas AS q (key, window_start, used, granted, paused_until) \
        VALUES ($1, $2, LEAST($3, $4), LEAST($3, $4), NULL) ON CONFLICT (key) DO UPDATE SET \
        granted = CASE WHEN q.paused_until > $5 AND q.paused_until <= $7 THEN 0 \
            WHEN q.window_start < $2 OR q.window_start > $6 THEN LEAST($3, $4) \
            ELSE GREATEST(0, LEAST($3, $4 - q.used)) END, \
        used = CASE WHEN q.paused_until > $5 AND q.paused_until <= $7 THEN q.used \
            WHEN q.window_start < $2 OR q.window_start > $6 THEN LEAST($3, $4) \
            ELSE q.used + GREATEST(0, LEAST($3, $4 - q.used)) END, \
        window_start = CASE WHEN q.paused_until > $5 AND q.paused_until <= $7 THEN q.window_start \
            WHEN q.window_start < $2 OR q.window_start > $6 THEN $2 ELSE q.window_start END, \
        paused_until = CASE WHEN q.paused_until > $7 THEN NULL ELSE q.paused_until END \
        RETURNING granted, window_start, paused_until";
    const SQLITE: &str = "INSERT INTO push_quotas AS q (key, window_start, used, granted, paused_until) \
        VALUES (?1, ?2, min(?3, ?4), min(?3, ?4), NULL) ON CONFLICT (key) DO UPDATE SET \
        granted = CASE WHEN q.paused_until > ?5 AND q.paused_until <= ?7 THEN 0 \
            WHEN q.window_start < ?2 OR q.window_start > ?6 THEN min(?3, ?4) \
            ELSE max(0, min(?3, ?4 - q.used)) END, \
        used = CASE WHEN q.paused_until > ?5 AND q.paused_until <= ?7 THEN q.used \
            WHEN q.window_start < ?2 OR q.window_start > ?6 THEN min(?3, ?4) \
            ELSE q.used + max(0, min(?3, ?4 - q.used)) END, \
        window_start = CASE WHEN q.paused_until > ?5 AND q.paused_until <= ?7 THEN q.window_start \
            WHEN q.window_start < ?2 OR q.window_start > ?6 THEN ?2 ELSE q.window_start END, \
        paused_until = CASE WHEN q.paused_until > ?7 THEN NULL ELSE q.paused_until END \
        RETURNING granted, window_start, paused_until";
    let latest_window = window_start + chrono::Duration::seconds(MAX_SKEW_SECS);
    let latest_pause = latest_pause(now);
    let want = want.max(0);
    Ok(raw::get_result(
        conn,
        Sql {
            pg: PG,
            sqlite: SQLITE,
        },
        &[
            Param::Text(key),
            Param::Timestamp(window_start),
            Param::BigInt(want),
            Param::BigInt(capacity),
            Param::Timestamp(now),
            Param::Timestamp(latest_window),
            Param::Timestamp(latest_pause),
        ],
    )?)
}

/// Pauses project `key` until `until` for every worker, or keeps a later pause already set (a
/// short `Retry-After` never cuts a longer one, but a pause too far ahead to be real, see
/// [`reserve`], is replaced). Returns the pause in force.
///
/// # Errors
/// A database error; the pause is then only this worker's.
pub fn pause(
    conn: &mut DbConn,
    key: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<NaiveDateTime> {
    #[derive(QueryableByName)]
    struct Paused {
        #[diesel(sql_type = Timestamp)]
        paused_until: NaiveDateTime,
    }
    const PG: &str = "INSERT INTO push_quotas AS q (key, window_start, used, granted, paused_until) \
        VALUES ($1, $2, 0, 0, $3) ON CONFLICT (key) DO UPDATE SET paused_until = \
        CASE WHEN q.paused_until > $3 AND q.paused_until <= $4 THEN q.paused_until ELSE $3 END \
        RETURNING paused_until";
    const SQLITE: &str = "INSERT INTO push_quotas AS q (key, window_start, used, granted, paused_until) \
        VALUES (?1, ?2, 0, 0, ?3) ON CONFLICT (key) DO UPDATE SET paused_until = \
        CASE WHEN q.paused_until > ?3 AND q.paused_until <= ?4 THEN q.paused_until ELSE ?3 END \
        RETURNING paused_until";
    let row: Paused = raw::get_result(
        conn,
        Sql {
            pg: PG,
            sqlite: SQLITE,
        },
        &[
            Param::Text(key),
            Param::Timestamp(now),
            Param::Timestamp(until),
            Param::Timestamp(latest_pause(now)),
        ],
    )?;
    Ok(row.paused_until)
}

/// The pause recorded for project `key`, past or present; `None` when it was never paused.
///
/// # Errors
/// A database error.
pub fn paused_until(conn: &mut DbConn, key: &str) -> Result<Option<NaiveDateTime>> {
    Ok(push_quotas::table
        .find(key)
        .select(push_quotas::paused_until)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}
