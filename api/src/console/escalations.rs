//! The escalation queue (`shared::care::check_ins::board`): open alerts grouped per patient and
//! day, urgent groups on top, each naming what was reported, the rule that fired, the patient's
//! phone and how long it has been open; the resolved tab with who resolved what, when and how.
//! Resolving (a group at once, `care::check_ins::resolve_group`) redirects back with a
//! confirmation of what happened; a bad note is shown next to the note, as typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use shared::care;
use shared::care::check_ins::{Board, BoardTab, CheckIn, Escalation, OPEN_SHOWN, QueueGroup};
use shared::domain::{EscalationId, EscalationStatus, Severity, TimeZone};
use shared::time::now;

use super::clinical;
use super::page::{self, ConsoleError, Nav, elapsed, local, see_other};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::path_id::{PathId, is_canonical_uuid};
use crate::state::AppState;

/// Longest resolution note, in characters (as the API's resolve route).
const NOTE_MAX: usize = 2000;

/// One escalation as a row of the record and a line of the queue.
pub struct EscalationRow {
    pub id: String,
    pub opened: String,
    /// "Opened 2026-12-07 09:10".
    pub opened_label: String,
    /// The severity's label ("Urgent").
    pub severity: &'static str,
    /// The severity's code, for the style (`urgent`, `routine`).
    pub severity_class: &'static str,
    pub urgent: bool,
    /// The rule that fired, in clinic language.
    pub reason: String,
    /// What was reported: the symptoms' labels.
    pub reported: String,
    /// "Redness 8/10 · Swelling 2/10 · Pain 3/10", empty without a check-in.
    pub scores: String,
    pub open: bool,
    /// "open 3 h 20 min" while open; empty once resolved.
    pub open_for: String,
    pub resolved_by: String,
    pub resolved_at: String,
    pub time_to_resolve: String,
    pub note: String,
    /// The note as typed, when it came back with an error (the record's resolve form).
    pub note_value: String,
    pub note_error: Option<String>,
}

/// An escalation as the record and the queue print it, with the check-in that raised it and
/// the name of who resolved it when the caller has them.
pub fn escalation_row(
    t: &Strings,
    e: &Escalation,
    check_in: Option<&CheckIn>,
    resolver: Option<&str>,
    tz: &TimeZone,
    at: NaiveDateTime,
) -> EscalationRow {
    let open = e.status == EscalationStatus::Open;
    let symptoms = check_in.map(|c| c.symptoms.0.as_slice()).unwrap_or(&[]);
    let rule = shared::domain::TriageReason::parse(&e.reason);
    EscalationRow {
        id: e.id.to_string(),
        opened: local(e.created_at, tz),
        opened_label: t.fmt("esc_opened_at", &[("at", local(e.created_at, tz).into())]),
        severity: clinical::severity(t, e.severity),
        severity_class: e.severity.as_str(),
        urgent: e.severity == Severity::Urgent,
        reason: clinical::rule(t, rule, symptoms),
        reported: check_in
            .map(|c| clinical::symptoms(t, &c.symptoms.0))
            .unwrap_or_default(),
        scores: check_in
            .map(|c| clinical::scores(t, c.redness, c.swelling, c.pain))
            .unwrap_or_default(),
        open,
        open_for: if open {
            t.fmt(
                "esc_open_for",
                &[("time", elapsed(e.created_at, at).into())],
            )
        } else {
            String::new()
        },
        resolved_by: resolver.unwrap_or(t.none).to_owned(),
        resolved_at: e
            .resolved_at
            .map(|r| local(r, tz))
            .unwrap_or_else(|| t.none.to_owned()),
        time_to_resolve: e
            .resolved_at
            .map(|r| elapsed(e.created_at, r))
            .unwrap_or_else(|| t.none.to_owned()),
        note: e
            .resolution_note
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| t.none.to_owned()),
        note_value: String::new(),
        note_error: None,
    }
}

/// A patient's same-day alerts: one row of the queue, resolved with one note.
pub struct GroupRow {
    /// The id the resolve form posts to; the others ride along as `with`.
    pub lead: String,
    pub with: Vec<String>,
    pub patient_id: String,
    pub patient: String,
    /// `(tel: href, "Call +34…")`.
    pub phone: Option<(String, String)>,
    pub urgent: bool,
    pub severity: &'static str,
    pub severity_class: &'static str,
    pub open_for: String,
    pub items: Vec<EscalationRow>,
    pub count_note: Option<String>,
    pub resolve_label: String,
    /// The note as typed, when it came back with an error.
    pub note_value: String,
    pub note_error: Option<String>,
}

/// A `tel:` href for an E.164 number: `+` and digits only.
pub fn tel_href(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

fn group_row(t: &Strings, g: &QueueGroup, tz: &TimeZone, at: NaiveDateTime) -> GroupRow {
    let ids: Vec<String> = g
        .items
        .iter()
        .map(|i| i.escalation.id.to_string())
        .collect();
    let severity = g.severity();
    let count = g.items.len();
    GroupRow {
        lead: ids.first().cloned().unwrap_or_default(),
        with: ids.iter().skip(1).cloned().collect(),
        patient_id: g.patient_id.to_string(),
        patient: g
            .patient_name()
            .map(str::to_owned)
            .unwrap_or_else(|| t.esc_erased.to_owned()),
        phone: g.patient_phone().map(|p| {
            (
                tel_href(p),
                t.fmt("esc_call", &[("phone", p.to_owned().into())]),
            )
        }),
        urgent: severity == Severity::Urgent,
        severity: clinical::severity(t, severity),
        severity_class: severity.as_str(),
        // Under the "Open for" heading: the time alone.
        open_for: elapsed(g.opened_at(), at),
        items: g
            .items
            .iter()
            .map(|i| {
                let resolver = i.resolver_name.as_deref();
                escalation_row(t, &i.escalation, i.check_in.as_ref(), resolver, tz, at)
            })
            .collect(),
        count_note: (count > 1)
            .then(|| t.fmt("esc_alerts_in_group", &[("count", (count as i64).into())])),
        resolve_label: t.fmt("esc_resolve_group", &[("count", (count as i64).into())]),
        note_value: String::new(),
        note_error: None,
    }
}

#[derive(Template)]
#[template(path = "console/escalations.html")]
pub struct QueuePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    open: bool,
    groups: Vec<GroupRow>,
    next: Option<String>,
    more: Option<String>,
    confirmation: Option<String>,
    error: Option<String>,
}

/// The queue page for `tab` (shared by the handler and the benchmark).
pub async fn render(
    state: &AppState,
    user: &ConsoleUser,
    tab: BoardTab,
    confirm: Option<EscalationId>,
) -> Result<QueuePage, ConsoleError> {
    let t = page::texts();
    let at = now();
    let open = tab == BoardTab::Open;
    let board: Board =
        care::check_ins::board(&state.db, &user.actor(), tab, confirm, &user.clinic_tz, at).await?;
    let confirmation = board.confirmation.map(|c| {
        t.fmt(
            "esc_confirmed",
            &[
                ("count", (c.count as i64).into()),
                (
                    "name",
                    c.patient_name
                        .unwrap_or_else(|| t.esc_this_patient.to_owned())
                        .into(),
                ),
                (
                    "severity",
                    clinical::severity(t, c.severity).to_lowercase().into(),
                ),
                ("ago", elapsed(c.opened_at, at).into()),
            ],
        )
    });
    Ok(QueuePage {
        t,
        nav: Nav::of(user),
        title: t.queue_title.to_owned(),
        csrf: user.csrf.clone(),
        open,
        groups: board
            .groups
            .iter()
            .map(|g| group_row(t, g, &user.clinic_tz, at))
            .collect(),
        next: board.next_cursor,
        more: board
            .more
            .then(|| t.fmt("esc_more_open", &[("shown", OPEN_SHOWN.into())])),
        confirmation,
        error: None,
    })
}

/// `GET /console/escalations` (`?status=resolved` for the resolved ones, `&after=` to page;
/// `?resolved=<id>` after a resolution, to say what it did).
pub async fn queue(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let q = Fields::parse(req.query_string().as_bytes());
    let tab = if q.get("status") == Some("resolved") {
        BoardTab::Resolved {
            // Only an id the console wrote into its own link; anything else is the first page.
            before_id: q
                .get("after")
                .filter(|a| is_canonical_uuid(a))
                .map(str::to_owned),
        }
    } else {
        BoardTab::Open
    };
    let confirm = q
        .get("resolved")
        .filter(|id| is_canonical_uuid(id))
        .map(EscalationId::from);
    page::ok(&render(&state, &user, tab, confirm).await?)
}

/// The note's problem in the staff member's words.
fn note_error(t: &Strings, raw: &str) -> Option<String> {
    match crate::validate::multiline_text(raw, NOTE_MAX) {
        Ok(_) => None,
        Err(_) if raw.trim().is_empty() => Some(t.esc_note_empty.to_owned()),
        Err(_) if raw.trim().chars().count() > NOTE_MAX => Some(t.esc_note_too_long.to_owned()),
        Err(_) => Some(t.esc_note_invalid.to_owned()),
    }
}

/// The patient's record again (422), the note as typed and its error next to it.
async fn record_with_note_error(
    state: &AppState,
    user: &ConsoleUser,
    lead: &EscalationId,
    raw: String,
    message: Option<String>,
) -> Result<HttpResponse, ConsoleError> {
    let patient_id = care::check_ins::patient_of(&state.db, &user.actor(), lead).await?;
    let mut page = super::patient::render(state, user, &patient_id).await?;
    if let Some(row) = page.escalations.iter_mut().find(|e| e.id == lead.as_str()) {
        row.note_value = raw;
        row.note_error = message;
    }
    page::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /console/escalations/{id}/resolve`: resolves the escalation and the others of its
/// group (`with`), with a note (1–2,000 characters). Back to the patient's record when
/// `back=patient`, else to the queue, which confirms what was done. A bad note: the queue
/// again (422) with the note as typed and the error next to it. Resolved already → the 409
/// page; another clinic's → the 404 page.
pub async fn resolve(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let lead = EscalationId::from(id.into_inner());
    let raw = form.raw("note");
    let note = match crate::validate::multiline_text(&raw, NOTE_MAX) {
        Ok(n) => n,
        Err(_) => {
            let message = note_error(t, &raw);
            if form.get("back") == Some("patient") {
                return record_with_note_error(&state, &user, &lead, raw, message).await;
            }
            let mut page = render(&state, &user, BoardTab::Open, None).await?;
            match page.groups.iter_mut().find(|g| g.lead == lead.as_str()) {
                Some(g) => {
                    g.note_value = raw;
                    g.note_error = message;
                }
                None => page.error = message,
            }
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut ids = vec![lead];
    ids.extend(
        form.all("with")
            .into_iter()
            .take(100)
            .map(EscalationId::from),
    );
    let (resolved, patient_id) = care::check_ins::resolve_group(
        &state.db,
        &state.protocols,
        &user.actor(),
        ids,
        note,
        now(),
    )
    .await?;
    if form.get("back") == Some("patient") {
        return Ok(see_other(&format!(
            "/console/patients/{patient_id}?done={}",
            super::patient::DONE_RESOLVED
        )));
    }
    Ok(see_other(&format!(
        "/console/escalations?resolved={resolved}"
    )))
}
