//! The console's roster: the list's filters plus "has open escalations" and "low adherence",
//! sorted by next session or last treatment, with a keyset cursor on `(sort key, id)`.
//!
//! The sort keys and the two extra filters are computed columns (a booking, a maximum over
//! treatments, a ratio over prompts), so the clinic's matching ids and their keys are read
//! first (a few narrow queries over one clinic), ordered here, and only the page's rows get
//! their summaries. A clinic holds hundreds to a few thousand patients; the benchmark
//! (`api/benches/console_render.rs`) measures this with 1,000.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Backend, summarize};
use super::{ListStatus, PatientSummary, adherence, last_treatments, matching, next_sessions};
use crate::db::DbConn;
use crate::db::schema::escalations;
use crate::domain::{ClinicId, EscalationStatus};
use crate::error::Result;

/// Adherence below this (acknowledged / delivered prompts) counts as low: fewer than half of
/// the prompts that reached the patient were acknowledged.
pub const LOW_ADHERENCE: f64 = 0.5;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RosterSort {
    /// Newest enrolment first.
    #[default]
    Newest,
    /// Soonest booked session first; patients without one last.
    NextSession,
    /// Most recent treatment first; patients never treated last.
    LastTreatment,
}

impl RosterSort {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "newest" => Some(Self::Newest),
            "next_session" => Some(Self::NextSession),
            "last_treatment" => Some(Self::LastTreatment),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::NextSession => "next_session",
            Self::LastTreatment => "last_treatment",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RosterQuery {
    pub status: Option<ListStatus>,
    /// Words that must all occur in the patient's names, email or phone digits
    /// ([`crate::domain::search`]).
    pub q: Option<String>,
    pub open_escalations: bool,
    pub low_adherence: bool,
    pub sort: RosterSort,
    /// The last row of the previous page (its id); the next page starts after it.
    pub after: Option<String>,
    pub limit: usize,
}

/// One page and whether another follows (then the last row's id is the next cursor).
#[derive(Debug, Clone)]
pub struct RosterPage {
    pub rows: Vec<PatientSummary>,
    pub more: bool,
}

/// One page of the clinic's roster as `query` asks.
pub fn browse(conn: &mut DbConn, clinic_id: &ClinicId, query: &RosterQuery) -> Result<RosterPage> {
    let mut rows = matching(
        conn,
        clinic_id,
        query.status,
        query.q.as_deref(),
        None,
        None,
    )?;
    if query.open_escalations {
        let open: HashSet<String> = escalations::table
            .filter(escalations::clinic_id.eq(clinic_id))
            .filter(escalations::status.eq(EscalationStatus::Open))
            .select(escalations::patient_id)
            .distinct()
            .into_boxed::<Backend>()
            .load::<String>(conn)?
            .into_iter()
            .collect();
        rows.retain(|(_, p)| open.contains(p.user_id.as_str()));
    }
    if query.low_adherence {
        let ratios = adherence(conn, clinic_id, None)?;
        rows.retain(|(_, p)| {
            ratios
                .get(p.user_id.as_str())
                .is_some_and(|a| *a < LOW_ADHERENCE)
        });
    }
    let keys = match query.sort {
        RosterSort::Newest => None,
        RosterSort::NextSession => Some(next_sessions(conn, clinic_id, None)?),
        RosterSort::LastTreatment => Some(last_treatments(conn, clinic_id, None)?),
    };
    // `rows` is newest first (ids are time-ordered), which is also the tie-break.
    let key_of = |id: &str| keys.as_ref().and_then(|k| k.get(id).copied());
    let ordered = |a: &str, b: &str| order(query.sort, key_of(a), key_of(b)).then(b.cmp(a));
    rows.sort_by(|(_, a), (_, b)| ordered(a.user_id.as_str(), b.user_id.as_str()));
    let start = match &query.after {
        Some(after) => rows
            .iter()
            .position(|(_, p)| ordered(p.user_id.as_str(), after) == Ordering::Greater)
            .unwrap_or(rows.len()),
        None => 0,
    };
    let limit = query.limit.max(1);
    let page: Vec<_> = rows.into_iter().skip(start).take(limit + 1).collect();
    let more = page.len() > limit;
    let page = page.into_iter().take(limit).collect();
    Ok(RosterPage {
        rows: summarize(conn, clinic_id, page)?,
        more,
    })
}

/// The sort order on keys: missing keys last whatever the direction.
fn order(sort: RosterSort, a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if sort == RosterSort::LastTreatment => b.cmp(&a),
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
