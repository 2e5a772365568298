//! Escalations: a check-in outside the expected healing timeline, waiting for the clinic.
//! Written in the check-in's transaction (`crate::care::check_ins`); read by the clinic's queue,
//! the roster and the daily digest.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConn;
use super::check_ins::CheckIn;
use super::schema::{check_ins, clinics, escalations, patient_profiles, users};
use crate::domain::{
    CheckInId, ClinicId, EscalationId, EscalationStatus, PatientId, Role, Severity, TimeZone,
    UserId, UserStatus,
};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalations)]
pub struct Escalation {
    pub id: EscalationId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub check_in_id: Option<CheckInId>,
    /// A short reason code for the clinic (the triage rule), never free health text.
    pub reason: String,
    /// `routine` or `urgent`.
    pub severity: Severity,
    /// `open` or `resolved`.
    pub status: EscalationStatus,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The clinic's patient's escalations, newest first.
pub fn for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<Vec<Escalation>> {
    Ok(escalations::table
        .filter(escalations::clinic_id.eq(clinic_id))
        .filter(escalations::patient_id.eq(patient_id))
        .order((escalations::created_at.desc(), escalations::id.desc()))
        .select(Escalation::as_select())
        .load(conn)?)
}

/// One clinic's digest of open escalations: where it goes and what it counts (no patient
/// details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub clinic_id: ClinicId,
    pub clinic_name: String,
    /// The clinic's own zone: its digest goes out at 07:00 there.
    pub timezone: TimeZone,
    /// The clinic's contact address, or its active admins when it has none.
    pub recipients: Vec<String>,
    pub open: i64,
    pub urgent: i64,
}

/// Every clinic with open escalations, with its time zone, counts and recipients. Two queries
/// whatever the number of clinics: counts by clinic and severity joined with the clinic, then the
/// admins of the clinics that have no contact address. A stored zone name the time zone database
/// does not know is an error (corrupt data), not a default zone.
pub fn digests(conn: &mut DbConn) -> Result<Vec<Digest>> {
    #[allow(clippy::type_complexity)]
    let counts: Vec<(ClinicId, String, Option<String>, TimeZone, Severity, i64)> =
        escalations::table
            .inner_join(clinics::table.on(clinics::id.eq(escalations::clinic_id)))
            .filter(escalations::status.eq(EscalationStatus::Open))
            .group_by((
                escalations::clinic_id,
                clinics::name,
                clinics::contact_email,
                clinics::timezone,
                escalations::severity,
            ))
            .select((
                escalations::clinic_id,
                clinics::name,
                clinics::contact_email,
                clinics::timezone,
                escalations::severity,
                count_star(),
            ))
            .order(escalations::clinic_id)
            .load(conn)?;
    let mut out: Vec<Digest> = Vec::new();
    for (clinic_id, name, contact, timezone, sev, n) in counts {
        if out.last().is_none_or(|d| d.clinic_id != clinic_id) {
            out.push(Digest {
                clinic_id,
                clinic_name: name,
                timezone,
                recipients: contact
                    .filter(|c| !c.trim().is_empty())
                    .into_iter()
                    .collect(),
                open: 0,
                urgent: 0,
            });
        }
        if let Some(d) = out.last_mut() {
            d.open += n;
            if sev == Severity::Urgent {
                d.urgent += n;
            }
        }
    }
    let need_admins: Vec<&str> = out
        .iter()
        .filter(|d| d.recipients.is_empty())
        .map(|d| d.clinic_id.as_str())
        .collect();
    if need_admins.is_empty() {
        return Ok(out);
    }
    let mut admins: HashMap<String, Vec<String>> = HashMap::new();
    let rows: Vec<(String, String)> = users::table
        .filter(users::clinic_id.eq_any(&need_admins))
        .filter(users::role.eq(Role::ClinicAdmin))
        .filter(users::status.eq(UserStatus::Active))
        .order((users::clinic_id, users::email))
        .select((users::clinic_id, users::email))
        .load(conn)?;
    for (clinic, email) in rows {
        admins.entry(clinic).or_default().push(email);
    }
    for d in out.iter_mut().filter(|d| d.recipients.is_empty()) {
        d.recipients = admins.remove(d.clinic_id.as_str()).unwrap_or_default();
    }
    Ok(out)
}

pub fn insert(conn: &mut DbConn, row: &Escalation) -> Result<()> {
    diesel::insert_into(escalations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The patient's open escalations, most severe first.
pub fn open_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Escalation>> {
    let mut open: Vec<Escalation> = escalations::table
        .filter(escalations::patient_id.eq(patient_id))
        .filter(escalations::status.eq(EscalationStatus::Open))
        .order(escalations::created_at.asc())
        .select(Escalation::as_select())
        .load(conn)?;
    open.sort_by_key(|e| std::cmp::Reverse(e.severity));
    Ok(open)
}

/// Whether the patient has an open `urgent` escalation: while one is, the plan holds back its
/// reassuring prompts.
pub fn has_open_urgent(conn: &mut DbConn, patient_id: &PatientId) -> Result<bool> {
    let n: i64 = escalations::table
        .filter(escalations::patient_id.eq(patient_id))
        .filter(escalations::status.eq(EscalationStatus::Open))
        .filter(escalations::severity.eq(Severity::Urgent))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The clinic's escalation `id`, locked for a change (a no-op update takes the row lock on
/// PostgreSQL and the write lock on SQLite). Errors: `NotFound` for another clinic's or an
/// unknown id.
pub fn lock(conn: &mut DbConn, clinic_id: &ClinicId, id: &EscalationId) -> Result<Escalation> {
    let n = diesel::update(
        escalations::table
            .filter(escalations::id.eq(id))
            .filter(escalations::clinic_id.eq(clinic_id)),
    )
    .set(escalations::status.eq(escalations::status))
    .execute(conn)?;
    if n == 0 {
        return Err(crate::Error::NotFound);
    }
    Ok(escalations::table
        .find(id)
        .select(Escalation::as_select())
        .first(conn)?)
}

/// Marks an open escalation resolved; `false` when it was resolved already (the first
/// resolution stands).
pub fn resolve(
    conn: &mut DbConn,
    id: &EscalationId,
    by: &UserId,
    note: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        escalations::table
            .filter(escalations::id.eq(id))
            .filter(escalations::status.eq(EscalationStatus::Open)),
    )
    .set((
        escalations::status.eq(EscalationStatus::Resolved),
        escalations::resolution_note.eq(note),
        escalations::resolved_by.eq(by),
        escalations::resolved_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// An escalation as the clinic's queue shows it: with the check-in that raised it, the
/// patient's name and phone (`None` once erased) and the name of the staff member who resolved
/// it.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub escalation: Escalation,
    pub check_in: Option<CheckIn>,
    /// `(given name, family name, phone)`; `None` for an erased patient.
    pub patient: Option<(String, Option<String>, Option<String>)>,
    pub resolver_name: Option<String>,
}

/// Which of the clinic's escalations [`queue`] reads.
#[derive(Debug, Clone, Copy)]
pub enum QueueSelect<'a> {
    /// A page in `status` (both when `None`), newest first, before the keyset cursor `before_id`
    /// (ids are time-ordered).
    Page {
        status: Option<EscalationStatus>,
        before_id: Option<&'a str>,
    },
    /// Every open escalation, oldest first.
    Open,
    /// The escalations resolved together (same patient, staff member and instant).
    ResolvedTogether {
        patient_id: &'a PatientId,
        by: &'a UserId,
        at: NaiveDateTime,
    },
}

/// The clinic's escalations with everything the queue shows, in one query whatever their
/// number (left joins on the check-in, the patient's profile and the resolver; each joined row
/// must be the same clinic's).
pub fn queue(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    select: QueueSelect<'_>,
    limit: i64,
) -> Result<Vec<QueueRow>> {
    let mut query = escalations::table
        .left_join(
            check_ins::table.on(check_ins::id
                .nullable()
                .eq(escalations::check_in_id)
                .and(check_ins::clinic_id.eq(escalations::clinic_id))),
        )
        .left_join(
            patient_profiles::table.on(patient_profiles::user_id
                .eq(escalations::patient_id)
                .and(patient_profiles::clinic_id.eq(escalations::clinic_id))
                .and(patient_profiles::erased_at.is_null())),
        )
        .left_join(
            users::table.on(users::id
                .nullable()
                .eq(escalations::resolved_by)
                .and(users::clinic_id.eq(escalations::clinic_id))),
        )
        .filter(escalations::clinic_id.eq(clinic_id))
        .select((
            Escalation::as_select(),
            // `CheckIn`'s fields are in the table's column order.
            check_ins::all_columns.nullable(),
            (
                patient_profiles::given_name,
                patient_profiles::family_name,
                patient_profiles::phone,
            )
                .nullable(),
            users::name.nullable(),
        ))
        .limit(limit)
        .into_boxed::<<DbConn as diesel::Connection>::Backend>();
    match select {
        QueueSelect::Page { status, before_id } => {
            query = query.order(escalations::id.desc());
            if let Some(s) = status {
                query = query.filter(escalations::status.eq(s));
            }
            if let Some(b) = before_id {
                query = query.filter(escalations::id.lt(b.to_owned()));
            }
        }
        QueueSelect::Open => {
            // The literal the `escalations_clinic (clinic_id, status, created_at)` index holds.
            // Urgent first ('urgent' sorts after 'routine' as text), so a clinic with more open
            // escalations than a page shows never has an urgent one cut off the page.
            query = query
                .filter(escalations::status.eq(EscalationStatus::Open))
                .order((
                    escalations::severity.desc(),
                    escalations::created_at.asc(),
                    escalations::id.asc(),
                ));
        }
        QueueSelect::ResolvedTogether { patient_id, by, at } => {
            query = query
                .filter(escalations::patient_id.eq(patient_id))
                .filter(escalations::resolved_by.eq(by))
                .filter(escalations::resolved_at.eq(at))
                .order((escalations::created_at.asc(), escalations::id.asc()));
        }
    }
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Escalation,
        Option<CheckIn>,
        Option<(String, Option<String>, Option<String>)>,
        Option<String>,
    )> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(escalation, check_in, patient, resolver_name)| QueueRow {
            escalation,
            check_in,
            patient,
            resolver_name,
        })
        .collect())
}

/// How many of the clinic's escalations are open (the console's navigation badge): one
/// `COUNT` on the `escalations_clinic` index.
pub fn open_count(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<i64> {
    Ok(escalations::table
        .filter(escalations::clinic_id.eq(clinic_id))
        .filter(escalations::status.eq(EscalationStatus::Open))
        .count()
        .get_result(conn)?)
}

/// The clinic's escalation `id`, if it is one.
pub fn find(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    id: &EscalationId,
) -> Result<Option<Escalation>> {
    Ok(escalations::table
        .filter(escalations::id.eq(id))
        .filter(escalations::clinic_id.eq(clinic_id))
        .select(Escalation::as_select())
        .first(conn)
        .optional()?)
}
