//! The queue sizes `/metrics` reports, counted at scrape time. Each count rides a partial index
//! (`prompts_pending`, `clinic_alerts_pending`/`_leased`) or a small table, so a scrape stays
//! cheap however many future prompts are stored.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConn;
use super::prompts::status_is;
use super::schema::{clinic_alerts, escalations, prompts};
use crate::domain::{EscalationStatus, PromptStatus};
use crate::error::Result;

/// Queue sizes at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauges {
    /// Prompts due (`available_at` ≤ now) and waiting to be claimed: grows while no worker
    /// keeps up. Prompts held by a lease or waiting out a retry's backoff are not counted.
    pub backlog: i64,
    /// Urgent clinic alerts not emailed yet (pending or leased), whenever due.
    pub outbox: i64,
    /// Escalations no clinic has resolved yet, every clinic together.
    pub open_escalations: i64,
}

pub fn snapshot(conn: &mut DbConn, now: NaiveDateTime) -> Result<Gauges> {
    let backlog = prompts::table
        .filter(status_is(PromptStatus::Scheduled))
        .filter(prompts::available_at.le(now))
        .count()
        .get_result(conn)?;
    // Literals, so the planner can use the partial indexes built with them.
    let outbox = clinic_alerts::table
        .filter(sql::<Bool>(
            "clinic_alerts.status IN ('pending', 'sending')",
        ))
        .count()
        .get_result(conn)?;
    let open_escalations = escalations::table
        .filter(escalations::status.eq(EscalationStatus::Open))
        .count()
        .get_result(conn)?;
    Ok(Gauges {
        backlog,
        outbox,
        open_escalations,
    })
}
