//! The lease discipline every outbox shares: the prompt outbox (`prompts`) and the clinic-alert
//! outbox (`clinic_alerts`) are one kind of queue, described by a [`Queue`], and leased, handed
//! back, recovered and probed by the same statements here. What differs per kind (the rows a
//! window reads, how an outcome is recorded) stays with the kind: `super::prompts` with
//! `super::deliveries`, and `super::alerts`.
//!
//! A row is claimable while its status is the queue's pending literal and `available_at` has
//! come. A claim leases it (`sending`, `lease_owner`, `lease_expires_at`) in one statement that
//! commits before any network I/O; every later write of the lease holder is found by primary key
//! and guarded by `lease_owner` (set only while a row is `sending`; the prompts' writes name no
//! status at all, since `status = 'sending'` would steer PostgreSQL onto the partial index of
//! leased rows).
//! The delivery ladder's outbox (`prompt_follow_ups`, [`FOLLOW_UPS`]) is a third such queue.
//! The statements that scan spell out the literal statuses the partial indexes were built with
//! (`prompts_pending`, `prompts_leased`, `clinic_alerts_pending`, `clinic_alerts_leased`,
//! `prompt_follow_ups_pending`, `prompt_follow_ups_leased`): the
//! planner uses a partial index only when it sees its literal.

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{Text, Timestamp};

use super::DbConn;
use super::raw::{self, Param, Sql};
use crate::error::Result;

/// One outbox table: [`PROMPTS`], [`CLINIC_ALERTS`] or [`FOLLOW_UPS`]. Its fields are written into the SQL text,
/// so they are private and only this module's constants exist: nothing from outside can name a
/// table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    /// The table, and the `queue` label of `aftercare_lease_recoveries_total`.
    table: &'static str,
    /// The status of a row waiting for a worker (`scheduled`, `pending`).
    pending: &'static str,
    /// Whether the table has an `updated_at` that every write of a lease touches.
    updated_at: bool,
}

/// The prompt outbox.
pub const PROMPTS: Queue = Queue {
    table: "prompts",
    pending: "scheduled",
    updated_at: true,
};

/// The clinic-alert outbox.
pub const CLINIC_ALERTS: Queue = Queue {
    table: "clinic_alerts",
    pending: "pending",
    updated_at: false,
};

/// The delivery ladder's outbox: important prompts' next channel (`super::follow_ups`).
pub const FOLLOW_UPS: Queue = Queue {
    table: "prompt_follow_ups",
    pending: "pending",
    updated_at: false,
};

/// Ids bound in one statement: keeps SQLite's bind-parameter limit (32,766 in the bundled
/// library) far away whatever the batch size.
const IDS_PER_STATEMENT: usize = 1000;

impl Queue {
    /// The table's name: the `queue` label of metrics and log lines.
    pub const fn table(&self) -> &'static str {
        self.table
    }

    fn touch(&self, param: &str) -> String {
        if self.updated_at {
            format!(", updated_at = {param}")
        } else {
            String::new()
        }
    }
}

/// A row an `UPDATE … RETURNING id` touched: the raw statements count rows this way.
#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    id: String,
}

#[derive(QueryableByName)]
struct Leased {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Timestamp)]
    available_at: NaiveDateTime,
}

/// Leases up to `limit` claimable rows of `q` to `worker` until `lease_until` and returns their
/// ids, earliest claimable first (ties by id). One statement on each backend, so the claim is
/// atomic and commits before any network I/O. PostgreSQL skips rows another worker is claiming
/// right now (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers. Only ids come back, so a
/// claim of thousands of rows holds a few hundred kilobytes; the rows are read a window at a
/// time by the kind.
pub fn lease_due<I: From<String>>(
    conn: &mut DbConn,
    q: Queue,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<I>> {
    let statement = |p: [&str; 4], skip_locked: &str| {
        format!(
            "UPDATE {t} SET status = 'sending', lease_owner = {p0}, lease_expires_at = {p1}{touch} \
             WHERE id IN (SELECT id FROM {t} WHERE status = '{pending}' AND available_at <= {p2} \
                          ORDER BY available_at LIMIT {p3}{skip_locked}) \
             RETURNING id, available_at",
            t = q.table,
            pending = q.pending,
            touch = q.touch(p[2]),
            p0 = p[0],
            p1 = p[1],
            p2 = p[2],
            p3 = p[3],
        )
    };
    let pg = statement(["$1", "$2", "$3", "$4"], " FOR UPDATE SKIP LOCKED");
    let sqlite = statement(["?1", "?2", "?3", "?4"], "");
    let mut rows: Vec<Leased> = raw::load(
        conn,
        Sql {
            pg: &pg,
            sqlite: &sqlite,
        },
        &[
            Param::Text(worker),
            Param::Timestamp(lease_until),
            Param::Timestamp(now),
            Param::BigInt(limit),
        ],
    )?;
    rows.sort_by(|a, b| (a.available_at, &a.id).cmp(&(b.available_at, &b.id)));
    Ok(rows.into_iter().map(|l| I::from(l.id)).collect())
}

/// Puts `rows`, read by id, in the order of `ids` (a claim's order); rows not among `ids` go
/// last. For the kinds' window reads, which find rows by primary key in no particular order.
pub fn in_claim_order<T, I: AsRef<str>>(rows: &mut [T], ids: &[I], id_of: impl Fn(&T) -> &str) {
    let order: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_ref(), i))
        .collect();
    rows.sort_by_key(|r| order.get(id_of(r)).copied().unwrap_or(usize::MAX));
}

/// Hands the rows among `ids` that `worker` still holds back to the queue, unsent and with their
/// attempt count kept, so any worker may claim them at once instead of after their lease
/// expires; returns how many. For a drain that stops, or cannot read, before it reached them.
/// Guarded by the owner alone. On PostgreSQL the hand-back notifies (the queues' triggers), so
/// another worker takes them up.
pub fn release<I: AsRef<str>>(
    conn: &mut DbConn,
    q: Queue,
    worker: &str,
    ids: &[I],
    now: NaiveDateTime,
) -> Result<usize> {
    let mut released = 0;
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let statement = {
            let param = |i| raw::placeholder(conn, i);
            let list: Vec<String> = (0..chunk.len()).map(|i| param(3 + i)).collect();
            format!(
                "UPDATE {t} SET status = '{pending}', lease_owner = NULL, \
                 lease_expires_at = NULL{touch} \
                 WHERE id IN ({list}) AND lease_owner = {worker} RETURNING id",
                t = q.table,
                pending = q.pending,
                touch = q.touch(&param(1)),
                list = list.join(", "),
                worker = param(2),
            )
        };
        let mut params = vec![Param::Timestamp(now), Param::Text(worker)];
        params.extend(chunk.iter().map(|id| Param::Text(id.as_ref())));
        let rows: Vec<Id> = raw::load(conn, Sql::built(&statement), &params)?;
        released += rows.len();
    }
    Ok(released)
}

/// Returns rows whose lease expired before `now` (the worker died mid-send) to the queue, due as
/// they were. Their attempt count is kept, so a row that kills workers still reaches its limit.
/// Returns how many.
pub fn recover_expired(conn: &mut DbConn, q: Queue, now: NaiveDateTime) -> Result<usize> {
    let statement = |p: &str| {
        format!(
            "UPDATE {t} SET status = '{pending}', lease_owner = NULL, \
             lease_expires_at = NULL{touch} \
             WHERE status = 'sending' AND lease_expires_at < {p} RETURNING id",
            t = q.table,
            pending = q.pending,
            touch = q.touch(p),
        )
    };
    let (pg, sqlite) = (statement("$1"), statement("?1"));
    let rows: Vec<Id> = raw::load(
        conn,
        Sql {
            pg: &pg,
            sqlite: &sqlite,
        },
        &[Param::Timestamp(now)],
    )?;
    Ok(rows.len())
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = Timestamp)]
    available_at: NaiveDateTime,
}

/// When the earliest waiting row of `q` becomes claimable (UTC; it may already be past), or
/// `None` when none waits. One probe of the queue's pending partial index, whatever the number
/// of future rows: the worker asks after each drain and runs again then if that comes before its
/// next cron tick.
pub fn next_available_at(conn: &mut DbConn, q: Queue) -> Result<Option<NaiveDateTime>> {
    let statement = format!(
        "SELECT available_at FROM {t} WHERE status = '{pending}' \
         ORDER BY available_at LIMIT 1",
        t = q.table,
        pending = q.pending,
    );
    let rows: Vec<Next> = raw::load(conn, Sql::built(&statement), &[])?;
    Ok(rows.into_iter().next().map(|n| n.available_at))
}
