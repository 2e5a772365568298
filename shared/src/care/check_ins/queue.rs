//! The clinic's side of the loop: the escalation queue (the API's page, the console's board of
//! same-day groups). Resolving is in `resolve.rs`.
//!
//! Every read is one query whatever the number of escalations (`db::escalations::queue` joins
//! the check-in, the patient and the resolver), so the console's queue of 500 open escalations
//! stays a handful of statements.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};

use super::super::StaffActor;
use super::{CheckIn, Escalation};
use crate::db::escalations::{QueueRow, QueueSelect};
use crate::db::{Db, audit, escalations};
use crate::domain::{
    AuditAction, EscalationId, EscalationStatus, PatientId, Severity, TimeZone, TriageReason,
};
use crate::error::Result;

/// Open escalations the console's board shows at once (a clinic with more has a bigger problem
/// than paging; [`Board::more`] says so).
pub const OPEN_SHOWN: i64 = 500;
/// Resolved escalations per page of the board's resolved tab.
const RESOLVED_PAGE: i64 = 50;

/// An escalation with what the clinic needs to act on it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub escalation: Escalation,
    /// The check-in that raised it: what was reported (symptoms, scores).
    pub check_in: Option<CheckIn>,
    /// The triage rule that fired, when its reason is one the product knows.
    pub rule: Option<TriageReason>,
    /// "Given Family"; `None` once the patient is erased.
    pub patient_name: Option<String>,
    /// E.164; `None` when not on file or erased.
    pub patient_phone: Option<String>,
    /// The name of the staff member who resolved it.
    pub resolver_name: Option<String>,
}

impl From<QueueRow> for QueueItem {
    fn from(r: QueueRow) -> Self {
        let (patient_name, patient_phone) = match r.patient {
            Some((given, family, phone)) => (
                Some(match family {
                    Some(f) if !f.trim().is_empty() => format!("{given} {f}"),
                    _ => given,
                }),
                phone.filter(|p| !p.trim().is_empty()),
            ),
            None => (None, None),
        };
        QueueItem {
            rule: TriageReason::parse(&r.escalation.reason),
            escalation: r.escalation,
            check_in: r.check_in,
            patient_name,
            patient_phone,
            resolver_name: r.resolver_name,
        }
    }
}

/// One page of the actor's clinic's escalations, newest first, each with its check-in, patient
/// and resolver. The first `audited` rows (the ones the caller shows) each get an
/// `escalation.list` audit entry: they carry the patients' scores and symptoms.
pub async fn queue(
    db: &Db,
    actor: &StaffActor,
    status: Option<EscalationStatus>,
    before_id: Option<String>,
    limit: i64,
    audited: usize,
    now: NaiveDateTime,
) -> Result<Vec<QueueItem>> {
    let actor = actor.clone();
    db.transaction(move |conn| {
        let select = QueueSelect::Page {
            status,
            before_id: before_id.as_deref(),
        };
        let page = escalations::queue(conn, &actor.clinic_id, select, limit)?;
        let shown: Vec<&PatientId> = page
            .iter()
            .take(audited)
            .map(|r| &r.escalation.patient_id)
            .collect();
        audit::record_list(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::EscalationList,
            &shown,
            now,
        )?;
        Ok(page.into_iter().map(QueueItem::from).collect())
    })
    .await
}

/// Which tab of the console's board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardTab {
    Open,
    /// Newest first, before the keyset cursor.
    Resolved {
        before_id: Option<String>,
    },
}

/// A patient's escalations opened on one local day of the clinic: the nurse calls once and
/// resolves them together. Urgent ones first, then oldest first.
#[derive(Debug, Clone)]
pub struct QueueGroup {
    pub patient_id: PatientId,
    pub items: Vec<QueueItem>,
}

impl QueueGroup {
    /// The most severe of the group.
    pub fn severity(&self) -> Severity {
        self.items
            .iter()
            .map(|i| i.escalation.severity)
            .max()
            .unwrap_or(Severity::Routine)
    }

    /// When the first of the group was opened.
    pub fn opened_at(&self) -> NaiveDateTime {
        self.items
            .iter()
            .map(|i| i.escalation.created_at)
            .min()
            .unwrap_or_default()
    }

    pub fn patient_name(&self) -> Option<&str> {
        self.items.iter().find_map(|i| i.patient_name.as_deref())
    }

    pub fn patient_phone(&self) -> Option<&str> {
        self.items.iter().find_map(|i| i.patient_phone.as_deref())
    }
}

/// What a resolution did, for the page it returns to.
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub patient_name: Option<String>,
    /// How many escalations were resolved together.
    pub count: usize,
    /// The most severe of them.
    pub severity: Severity,
    /// When the first of them was opened.
    pub opened_at: NaiveDateTime,
}

/// The console's queue: groups in the order a nurse works them.
#[derive(Debug, Clone)]
pub struct Board {
    /// Open tab: same-day groups, urgent groups first, then the longest waiting. Resolved tab:
    /// one escalation per group (each has its own resolution), newest first.
    pub groups: Vec<QueueGroup>,
    /// Resolved tab: the cursor of the next page.
    pub next_cursor: Option<String>,
    /// Open tab: more than [`OPEN_SHOWN`] are open; the urgent ones, then the oldest, are shown.
    pub more: bool,
    /// The resolution `confirm` named, when it was the actor's.
    pub confirmation: Option<Confirmation>,
}

/// The console's queue for the actor's clinic (its zone `tz` draws the days), audited as
/// [`queue`] is (one `escalation.list` entry per patient shown). `confirm` names an escalation
/// the actor has just resolved: the board then says what that resolution did.
pub async fn board(
    db: &Db,
    actor: &StaffActor,
    tab: BoardTab,
    confirm: Option<EscalationId>,
    tz: &TimeZone,
    now: NaiveDateTime,
) -> Result<Board> {
    let (actor, tz) = (actor.clone(), *tz);
    db.transaction(move |conn| {
        let (rows, next_cursor, more) = match &tab {
            BoardTab::Open => {
                let mut rows =
                    escalations::queue(conn, &actor.clinic_id, QueueSelect::Open, OPEN_SHOWN + 1)?;
                let more = rows.len() as i64 > OPEN_SHOWN;
                rows.truncate(OPEN_SHOWN as usize);
                (rows, None, more)
            }
            BoardTab::Resolved { before_id } => {
                let select = QueueSelect::Page {
                    status: Some(EscalationStatus::Resolved),
                    before_id: before_id.as_deref(),
                };
                let rows = escalations::queue(conn, &actor.clinic_id, select, RESOLVED_PAGE + 1)?;
                let next = (rows.len() as i64 > RESOLVED_PAGE)
                    .then(|| rows.get(RESOLVED_PAGE as usize - 1))
                    .flatten()
                    .map(|r| r.escalation.id.to_string());
                let mut rows = rows;
                rows.truncate(RESOLVED_PAGE as usize);
                (rows, next, false)
            }
        };
        let shown: BTreeSet<&PatientId> = rows.iter().map(|r| &r.escalation.patient_id).collect();
        let shown: Vec<&PatientId> = shown.into_iter().collect();
        audit::record_list(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::EscalationList,
            &shown,
            now,
        )?;
        let items: Vec<QueueItem> = rows.into_iter().map(QueueItem::from).collect();
        let groups = match tab {
            BoardTab::Open => group_same_day(items, &tz),
            BoardTab::Resolved { .. } => items
                .into_iter()
                .map(|i| QueueGroup {
                    patient_id: i.escalation.patient_id.clone(),
                    items: vec![i],
                })
                .collect(),
        };
        let confirmation = match confirm {
            Some(id) => super::resolve::confirmation(conn, &actor, &id)?,
            None => None,
        };
        Ok(Board {
            groups,
            next_cursor,
            more,
            confirmation,
        })
    })
    .await
}

/// Groups open escalations by patient and local day (in `tz`); urgent first within a group;
/// urgent groups first, then the longest waiting.
pub fn group_same_day(items: Vec<QueueItem>, tz: &TimeZone) -> Vec<QueueGroup> {
    let day = |at: NaiveDateTime| -> NaiveDate { at.and_utc().with_timezone(&tz.0).date_naive() };
    let mut groups: Vec<(PatientId, NaiveDate, QueueGroup)> = Vec::new();
    let mut index: std::collections::HashMap<(PatientId, NaiveDate), usize> =
        std::collections::HashMap::new();
    for item in items {
        let key = (
            item.escalation.patient_id.clone(),
            day(item.escalation.created_at),
        );
        match index.get(&key) {
            Some(&i) => groups[i].2.items.push(item),
            None => {
                index.insert(key.clone(), groups.len());
                let group = QueueGroup {
                    patient_id: key.0.clone(),
                    items: vec![item],
                };
                groups.push((key.0, key.1, group));
            }
        }
    }
    let mut groups: Vec<QueueGroup> = groups.into_iter().map(|(_, _, g)| g).collect();
    for g in &mut groups {
        g.items.sort_by(|a, b| {
            b.escalation
                .severity
                .cmp(&a.escalation.severity)
                .then(a.escalation.created_at.cmp(&b.escalation.created_at))
                .then(a.escalation.id.as_str().cmp(b.escalation.id.as_str()))
        });
    }
    groups.sort_by(|a, b| {
        b.severity()
            .cmp(&a.severity())
            .then(a.opened_at().cmp(&b.opened_at()))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClinicId, EscalationId};
    use crate::protocol::Protocol;

    fn item(patient: &str, severity: Severity, utc: &str) -> QueueItem {
        let at = NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M").unwrap();
        QueueItem {
            escalation: Escalation {
                id: EscalationId::new(),
                clinic_id: ClinicId::from("c"),
                patient_id: PatientId::from(patient),
                check_in_id: None,
                reason: "warning_sign".into(),
                severity,
                status: EscalationStatus::Open,
                resolution_note: None,
                resolved_by: None,
                resolved_at: None,
                created_at: at,
            },
            check_in: None,
            rule: Some(TriageReason::WarningSign),
            patient_name: None,
            patient_phone: None,
            resolver_name: None,
        }
    }

    #[test]
    fn groups_are_one_patients_local_day_urgent_first_and_on_top() {
        let madrid = TimeZone::parse("Europe/Madrid").unwrap();
        let groups = group_same_day(
            vec![
                // b: the longest waiting, routine only.
                item("b", Severity::Routine, "2026-12-01 08:00"),
                // a: routine then urgent on Dec 1 (Madrid), and one at 00:30 on Dec 2 there.
                item("a", Severity::Routine, "2026-12-01 09:00"),
                item("a", Severity::Urgent, "2026-12-01 22:30"),
                item("a", Severity::Routine, "2026-12-01 23:30"),
            ],
            &madrid,
        );
        let shape: Vec<(&str, Vec<Severity>)> = groups
            .iter()
            .map(|g| {
                (
                    g.patient_id.as_str(),
                    g.items.iter().map(|i| i.escalation.severity).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("a", vec![Severity::Urgent, Severity::Routine]),
                ("b", vec![Severity::Routine]),
                ("a", vec![Severity::Routine]),
            ]
        );
        assert_eq!(groups[0].severity(), Severity::Urgent);
        assert_eq!(
            groups[0].opened_at().format("%H:%M").to_string(),
            "09:00",
            "a group has been open since its first alert"
        );
    }

    #[test]
    fn every_triage_reason_of_the_protocol_is_a_known_rule() {
        let protocol = Protocol::builtin().unwrap();
        for rule in &protocol.triage_rules().rules {
            assert!(
                TriageReason::parse(&rule.reason).is_some(),
                "triage rule {} has reason {:?}, unknown to TriageReason (add it and its labels)",
                rule.id,
                rule.reason
            );
        }
    }
}
