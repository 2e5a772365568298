//! The clinic-alert outbox: one row per urgent escalation, drained by the delivery worker into
//! one email per active admin and clinician of the clinic.
//!
//! The row is written in the check-in's own transaction ([`enqueue`]), so an escalation and its
//! alert commit together or not at all. The worker drains it through the same outbox as the
//! prompts (`super::outbox`, queue [`super::outbox::CLINIC_ALERTS`]): [`lease_due`] leases rows
//! and commits before any SMTP I/O, [`leased`] reads them a window at a time, outcomes are
//! recorded by [`resolve_group`] only while the lease is still the worker's own, and
//! [`release_expired_leases`] returns the rows of a worker that died mid-send. A crash therefore
//! repeats at most the alerts that were in flight, never loses one.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{clinic_alerts, clinics, users};
use super::{DbConn, outbox};
use crate::domain::{ClinicAlertId, ClinicAlertStatus, ClinicId, EscalationId, Role, UserStatus};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = clinic_alerts)]
pub struct ClinicAlert {
    pub id: ClinicAlertId,
    pub clinic_id: ClinicId,
    /// Unique: one alert per escalation, however often the check-in's transaction is retried.
    pub escalation_id: EscalationId,
    pub status: ClinicAlertStatus,
    /// Delivery rounds recorded so far (a released lease does not count).
    pub attempts: i32,
    /// When a worker may next claim the alert (UTC); moves forward on retry backoff.
    pub available_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    /// The last failure in one line; on a `sent` alert, the recipients that refused it for good
    /// (or were still failing when the attempts ran out).
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Queues the alert for an urgent escalation, due at once (an urgent escalation reaches the
/// clinic whatever the patient's quiet hours).
///
/// Call it inside the transaction that creates the escalation (`crate::care::check_ins`), so the
/// alert commits with it: a crash after the commit leaves the alert for the worker, a rollback
/// leaves neither. Idempotent on `escalation_id`: a second call changes nothing and returns
/// `false`. Errors: the escalation or clinic does not exist (foreign key).
pub fn enqueue(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    escalation_id: &EscalationId,
    now: NaiveDateTime,
) -> Result<bool> {
    let row = ClinicAlert {
        id: ClinicAlertId::new(),
        clinic_id: clinic_id.clone(),
        escalation_id: escalation_id.clone(),
        status: ClinicAlertStatus::Pending,
        attempts: 0,
        available_at: now,
        lease_owner: None,
        lease_expires_at: None,
        last_error: None,
        sent_at: None,
        created_at: now,
    };
    // `ON CONFLICT (escalation_id) DO NOTHING` is per backend in diesel's multi-connection.
    let insert = diesel::insert_into(clinic_alerts::table).values(&row);
    let n = match conn {
        DbConn::Pg(pg) => insert
            .on_conflict(clinic_alerts::escalation_id)
            .do_nothing()
            .execute(pg)?,
        DbConn::Sqlite(lite) => insert
            .on_conflict(clinic_alerts::escalation_id)
            .do_nothing()
            .execute(lite)?,
    };
    Ok(n == 1)
}

/// The alerts among `ids` that `worker` still holds a lease on, in the order of `ids`; one whose
/// lease went to another worker since the claim is left out. Found by primary key, guarded by
/// the owner alone (as `super::prompts::leased`).
pub fn leased(conn: &mut DbConn, worker: &str, ids: &[ClinicAlertId]) -> Result<Vec<ClinicAlert>> {
    let mut rows: Vec<ClinicAlert> = clinic_alerts::table
        .filter(clinic_alerts::id.eq_any(ids))
        .filter(clinic_alerts::lease_owner.eq(worker))
        .select(ClinicAlert::as_select())
        .load(conn)?;
    rows.retain(|a| a.status == ClinicAlertStatus::Sending);
    outbox::in_claim_order(&mut rows, ids, |a| a.id.as_str());
    Ok(rows)
}

/// The outbox claim ([`super::outbox::lease_due`] on [`super::outbox::CLINIC_ALERTS`]), then
/// [`leased`] for the whole claim: the alerts themselves, oldest first. For tools and tests; the
/// worker reads a window at a time.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<ClinicAlert>> {
    let ids: Vec<ClinicAlertId> =
        outbox::lease_due(conn, outbox::CLINIC_ALERTS, worker, now, lease_until, limit)?;
    leased(conn, worker, &ids)
}

/// Who an alert of one clinic goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    /// The clinic's name, the only detail the alert email carries.
    pub clinic_name: String,
    /// The active `clinic_admin` and `clinician` users' addresses, sorted; empty when the
    /// clinic has none.
    pub emails: Vec<String>,
}

/// The recipients of each clinic in `clinic_ids`, in one query whatever their number: its active
/// admins and clinicians (never patients, invited, disabled or erased accounts, nor another
/// clinic's staff). A clinic that does not exist is absent from the map.
pub fn recipients(
    conn: &mut DbConn,
    clinic_ids: &[ClinicId],
) -> Result<HashMap<ClinicId, Recipients>> {
    // A left join, so a clinic without staff still answers with its name and no addresses.
    let rows: Vec<(ClinicId, String, Option<String>)> = clinics::table
        .left_join(
            users::table.on(users::clinic_id
                .eq(clinics::id)
                .and(users::role.eq_any([Role::ClinicAdmin, Role::Clinician]))
                .and(users::status.eq(UserStatus::Active))),
        )
        .filter(clinics::id.eq_any(clinic_ids))
        .select((clinics::id, clinics::name, users::email.nullable()))
        .load(conn)?;
    let mut out: HashMap<ClinicId, Recipients> = HashMap::new();
    for (clinic_id, clinic_name, email) in rows {
        let entry = out.entry(clinic_id).or_insert_with(|| Recipients {
            clinic_name,
            emails: Vec::new(),
        });
        entry.emails.extend(email);
    }
    for r in out.values_mut() {
        r.emails.sort();
    }
    Ok(out)
}

/// What becomes of a leased alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertOutcome {
    /// The clinic was reached: at least one recipient accepted; `refused` sums up, in one line,
    /// the ones that did not.
    Sent { refused: Option<String> },
    /// Back to the queue at `at`, one attempt more.
    Retry { at: NaiveDateTime, error: String },
    /// Given up: visible in the table, never retried.
    Failed { error: String },
    /// Back to the queue now without counting an attempt (nothing was sent: stopping, or too
    /// little lease left to finish).
    Release,
}

/// The outcome of a round that failed for a reason worth retrying: a retry after the prompt
/// outbox's backoff (`super::deliveries::backoff`, from 30 s to 1 h), or `Failed` once this is
/// attempt number `max_attempts` (`AFTERCARE_MAX_ATTEMPTS`).
pub fn after_failure(
    alert: &ClinicAlert,
    max_attempts: i32,
    error: String,
    now: NaiveDateTime,
) -> AlertOutcome {
    let attempt = alert.attempts + 1;
    if attempt >= max_attempts {
        AlertOutcome::Failed {
            error: format!("gave up after {attempt} attempts: {error}"),
        }
    } else {
        AlertOutcome::Retry {
            at: now + super::deliveries::backoff(attempt, None),
            error,
        }
    }
}

/// Records `outcome` if `worker` still holds the alert's lease. Returns `false` (and writes
/// nothing) when it no longer does: the lease expired and another worker re-claimed the alert,
/// whose record then stands alone.
pub fn resolve(
    conn: &mut DbConn,
    alert_id: &ClinicAlertId,
    worker: &str,
    outcome: &AlertOutcome,
    now: NaiveDateTime,
) -> Result<bool> {
    let owned = clinic_alerts::table
        .filter(clinic_alerts::id.eq(alert_id))
        .filter(clinic_alerts::status.eq(ClinicAlertStatus::Sending))
        .filter(clinic_alerts::lease_owner.eq(worker));
    let released = (
        clinic_alerts::lease_owner.eq(None::<String>),
        clinic_alerts::lease_expires_at.eq(None::<NaiveDateTime>),
    );
    let n = match outcome {
        AlertOutcome::Sent { refused } => diesel::update(owned)
            .set((
                clinic_alerts::status.eq(ClinicAlertStatus::Sent),
                clinic_alerts::sent_at.eq(now),
                clinic_alerts::last_error.eq(refused),
                clinic_alerts::attempts.eq(clinic_alerts::attempts + 1),
                released,
            ))
            .execute(conn)?,
        AlertOutcome::Retry { at, error } => diesel::update(owned)
            .set((
                clinic_alerts::status.eq(ClinicAlertStatus::Pending),
                clinic_alerts::available_at.eq(at),
                clinic_alerts::last_error.eq(error),
                clinic_alerts::attempts.eq(clinic_alerts::attempts + 1),
                released,
            ))
            .execute(conn)?,
        AlertOutcome::Failed { error } => diesel::update(owned)
            .set((
                clinic_alerts::status.eq(ClinicAlertStatus::Failed),
                clinic_alerts::last_error.eq(error),
                clinic_alerts::attempts.eq(clinic_alerts::attempts + 1),
                released,
            ))
            .execute(conn)?,
        AlertOutcome::Release => diesel::update(owned)
            .set((
                clinic_alerts::status.eq(ClinicAlertStatus::Pending),
                released,
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Records a group of outcomes, `(alert, outcome)`, in one transaction, each guarded by its own
/// lease as in [`resolve`]; the answer says, in order, which ones `worker` still owned.
pub fn resolve_group(
    conn: &mut DbConn,
    worker: &str,
    outcomes: &[(ClinicAlertId, AlertOutcome)],
    now: NaiveDateTime,
) -> Result<Vec<bool>> {
    super::write_transaction(conn, |conn| {
        outcomes
            .iter()
            .map(|(id, outcome)| resolve(conn, id, worker, outcome, now))
            .collect()
    })
}

/// When the earliest pending alert becomes claimable (UTC; it may already be past: a retry's
/// backoff over), or `None` when none is pending: one probe of the partial index
/// `clinic_alerts_pending` ([`super::outbox::next_available_at`]).
pub fn next_available_at(conn: &mut DbConn) -> Result<Option<NaiveDateTime>> {
    outbox::next_available_at(conn, outbox::CLINIC_ALERTS)
}

/// Returns alerts whose lease expired (the worker died mid-send) to the queue, their attempt
/// count kept ([`super::outbox::recover_expired`]). Returns how many.
pub fn release_expired_leases(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    outbox::recover_expired(conn, outbox::CLINIC_ALERTS, now)
}

/// The alert of an escalation, if one was queued.
pub fn for_escalation(
    conn: &mut DbConn,
    escalation_id: &EscalationId,
) -> Result<Option<ClinicAlert>> {
    Ok(clinic_alerts::table
        .filter(clinic_alerts::escalation_id.eq(escalation_id))
        .select(ClinicAlert::as_select())
        .first(conn)
        .optional()?)
}
