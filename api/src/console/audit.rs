//! The audit log with filters (clinic admins only; a clinician gets the 403 page): who did what,
//! by name, in the clinic's time zone, the action in words. The patient filter is a picker: a
//! name search lists the clinic's matching patients (`care::roster::list`, itself one audited
//! list view), choosing one filters the log by that patient, list views that showed them
//! included (`care::clinic::audit_view`, which also reads every name the page needs in one
//! batch).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::clinic::{AuditEntry, AuditView};
use shared::care::roster::ListQuery;
use shared::domain::{AuditAction, PatientId};
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, Nav, local};
use super::session::{ConsoleUser, Fields};
use super::strings::Strings;
use crate::path_id::is_canonical_uuid;
use crate::state::AppState;

/// Audit rows per page.
const AUDIT_PAGE: i64 = 100;
/// Patients the picker lists for one search.
const PICKER_SIZE: i64 = 20;

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    /// The patient's name, or how many patients a list view showed; `—` for none.
    pub patient: String,
    /// The patient to filter by from this row (a single-patient entry).
    pub patient_link: Option<String>,
    /// Everyone a list view showed, by name, in the order shown.
    pub shown: Vec<String>,
}

/// One patient the picker offers.
pub struct Match {
    pub name: String,
    /// The query string that filters the log by them.
    pub query: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    /// The chosen patient's id (kept by the filter form), and who it is in a sentence.
    patient_id: String,
    selected: Option<String>,
    /// The query string without the patient, to clear the choice.
    clear: String,
    find: String,
    /// The picker's matches when a search was made.
    matches: Option<Vec<Match>>,
    action: String,
    actions: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<AuditRow>,
    next: Option<String>,
}

/// `GET /console/audit?patient_id=&action=&find=&after=`
pub async fn audit(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let t = page::texts();
    let q = Fields::parse(req.query_string().as_bytes());
    let patient = q
        .get("patient_id")
        .filter(|p| !p.is_empty())
        .map(|p| PatientId::from(p.chars().take(64).collect::<String>()));
    // An action the log does not know matches no entry, as before the filter was typed.
    let action_text = q.get("action").filter(|a| !a.is_empty());
    let action = action_text.map(AuditAction::parse);
    let after = q
        .get("after")
        .filter(|a| is_canonical_uuid(a))
        .map(str::to_owned);
    let find = q
        .get("find")
        .map(|f| f.trim().chars().take(200).collect::<String>())
        .filter(|f| !f.is_empty());

    let matches = match &find {
        Some(text) => Some(
            care::roster::list(
                &state.db,
                &user.actor(),
                ListQuery {
                    q: Some(text.clone()),
                    limit: PICKER_SIZE,
                    ..ListQuery::default()
                },
                PICKER_SIZE as usize,
                now(),
            )
            .await?,
        ),
        None => None,
    };
    let query = care::clinic::AuditQuery {
        patient_id: patient.clone(),
        // Entries about a patient whose enrolment was taken back still name their id.
        any_patient_id: true,
        action: action.flatten(),
        before_id: after,
        limit: AUDIT_PAGE,
    };
    // Text that is not an id names no patient: no entry, and no query.
    let no_such_patient = patient
        .as_ref()
        .is_some_and(|p| !is_canonical_uuid(p.as_str()));
    let view = match action {
        Some(None) => AuditView::default(),
        _ if no_such_patient => AuditView::default(),
        _ => care::clinic::audit_view(&state.db, &user.actor(), query).await?,
    };

    let filters = |patient: Option<&PatientId>, after: Option<&str>| {
        let mut qs = form_urlencoded::Serializer::new(String::new());
        if let Some(p) = patient {
            qs.append_pair("patient_id", p.as_str());
        }
        if let Some(a) = action_text {
            qs.append_pair("action", a);
        }
        if let Some(after) = after {
            qs.append_pair("after", after);
        }
        qs.finish()
    };
    let next = (view.entries.len() as i64 == AUDIT_PAGE)
        .then(|| view.entries.last())
        .flatten()
        .map(|last| filters(patient.as_ref(), Some(&last.id)));
    let name_of = |id: &PatientId| {
        view.patients
            .get(id)
            .cloned()
            .unwrap_or_else(|| t.erased_name.to_owned())
    };
    page::ok(&AuditPage {
        t,
        nav: Nav::of(&user),
        title: t.audit_title.to_owned(),
        patient_id: patient
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        selected: patient
            .as_ref()
            .map(|p| t.fmt("audit_showing", &[("name", name_of(p).into())])),
        clear: filters(None, None),
        find: find.clone().unwrap_or_default(),
        matches: matches.map(|found| {
            found
                .into_iter()
                .map(|s| Match {
                    name: super::roster::display_name(
                        t,
                        &s.status,
                        &s.given_name,
                        s.family_name.as_deref(),
                    ),
                    query: filters(Some(&s.id), None),
                })
                .collect()
        }),
        actions: AuditAction::ALL
            .iter()
            .map(|a| {
                (
                    a.as_str(),
                    labels::audit_action(t, *a),
                    action == Some(Some(*a)),
                )
            })
            .collect(),
        action: action_text.unwrap_or_default().chars().take(64).collect(),
        rows: view
            .entries
            .iter()
            .map(|e| row(t, &user, &view, e, patient.as_ref(), &name_of, &filters))
            .collect(),
        next,
    })
}

/// One entry as the page prints it.
fn row(
    t: &Strings,
    user: &ConsoleUser,
    view: &AuditView,
    e: &AuditEntry,
    filtered: Option<&PatientId>,
    name_of: &dyn Fn(&PatientId) -> String,
    filters: &dyn Fn(Option<&PatientId>, Option<&str>) -> String,
) -> AuditRow {
    let actor = match &e.actor_id {
        None => t.audit_system.to_owned(),
        Some(id) => view
            .staff
            .get(id)
            .cloned()
            // A patient's own entries (a check-in, an export) name the patient.
            .or_else(|| view.patients.get(&id.as_patient()).cloned())
            .unwrap_or_else(|| t.erased_name.to_owned()),
    };
    let (patient, patient_link) = match (&e.patient_id, &e.subject_ids) {
        (Some(p), _) => (name_of(p), Some(filters(Some(p), None))),
        (None, Some(shown)) => match filtered.filter(|f| shown.contains(f)) {
            Some(f) if shown.len() > 1 => (
                t.fmt(
                    "audit_shown_with",
                    &[
                        ("name", name_of(f).into()),
                        ("others", (shown.len() - 1).into()),
                    ],
                ),
                None,
            ),
            Some(f) => (name_of(f), None),
            None => (
                t.fmt("audit_shown_patients", &[("count", shown.len().into())]),
                None,
            ),
        },
        (None, None) => (t.none.to_owned(), None),
    };
    AuditRow {
        shown: e
            .subject_ids
            .as_ref()
            .map(|l| l.iter().map(name_of).collect())
            .unwrap_or_default(),
        at: local(e.at, &user.clinic_tz),
        actor,
        action: labels::audit_action(t, e.action),
        patient,
        patient_link,
    }
}
