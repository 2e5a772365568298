//! Periodic jobs claimed once per period across all workers: the first worker to insert
//! `(job, period)` runs it; every other worker's insert conflicts and it skips the period.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::job_runs;
use crate::error::Result;

/// Claims `period` of `job` for `worker`; `false` when another worker already has it.
pub fn claim(
    conn: &mut DbConn,
    job: &str,
    period: &str,
    worker: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    let row = (
        job_runs::job.eq(job),
        job_runs::period.eq(period),
        job_runs::worker_id.eq(worker),
        job_runs::started_at.eq(now),
    );
    // `ON CONFLICT DO NOTHING` on both backends: the row count says who won.
    let n = match conn {
        DbConn::Pg(pg) => diesel::insert_into(job_runs::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        DbConn::Sqlite(lite) => diesel::insert_into(job_runs::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
    Ok(n == 1)
}

/// Which of `periods` of `job` some worker has already claimed, in one query: lets a job that
/// runs per clinic skip the periods already taken without one insert attempt each.
pub fn claimed(conn: &mut DbConn, job: &str, periods: &[String]) -> Result<HashSet<String>> {
    Ok(job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::period.eq_any(periods))
        .select(job_runs::period)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

pub fn finish(conn: &mut DbConn, job: &str, period: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(job_runs::table.find((job, period)))
        .set(job_runs::finished_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Gives a period back (the run failed before doing anything), so a later tick may retry it.
pub fn unclaim(conn: &mut DbConn, job: &str, period: &str, worker: &str) -> Result<()> {
    diesel::delete(
        job_runs::table
            .filter(job_runs::job.eq(job))
            .filter(job_runs::period.eq(period))
            .filter(job_runs::worker_id.eq(worker))
            .filter(job_runs::finished_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
