//! The escalation queue (`shared::care::check_ins::queue`, each shown row audited): open ones
//! urgent first, then longest open first, with the time open; resolved ones newest first. And
//! resolving one with a note, from the queue or from the patient's record.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{EscalationId, EscalationStatus, PatientId, Severity};
use shared::time::now;

use super::page::{self, ConsoleError, Nav, see_other};
use super::patient::{EscalationRow, escalation_row};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::state::AppState;

/// Open escalations shown at once (a clinic with more has a bigger problem than paging).
const OPEN_LIMIT: i64 = 200;
/// Resolved escalations per page.
const RESOLVED_PAGE: i64 = 50;
/// Longest resolution note, in characters (as the API's resolve route).
const NOTE_MAX: usize = 2000;

pub struct QueueRow {
    pub patient_id: String,
    pub patient: String,
    pub row: EscalationRow,
    pub scores: String,
}

#[derive(Template)]
#[template(path = "console/escalations.html")]
struct QueuePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    open: bool,
    rows: Vec<QueueRow>,
    next: Option<String>,
    error: Option<String>,
}

async fn queue_page(
    state: &AppState,
    user: &ConsoleUser,
    open: bool,
    after: Option<String>,
    error: Option<String>,
) -> Result<QueuePage, ConsoleError> {
    let t = page::texts();
    let at = now();
    let (status, limit, after) = if open {
        (EscalationStatus::Open, OPEN_LIMIT, None)
    } else {
        (EscalationStatus::Resolved, RESOLVED_PAGE, after)
    };
    let mut got = care::check_ins::queue(
        &state.db,
        &user.actor(),
        Some(status),
        after,
        limit,
        limit as usize,
        at,
    )
    .await?;
    if open {
        // Urgent on top, then the one waiting longest.
        got.sort_by(|(a, _), (b, _)| {
            (b.severity == Severity::Urgent)
                .cmp(&(a.severity == Severity::Urgent))
                .then(a.created_at.cmp(&b.created_at))
        });
    }
    let ids: Vec<PatientId> = got.iter().map(|(e, _)| e.patient_id.clone()).collect();
    let names = care::roster::names(&state.db, &user.actor(), ids).await?;
    let next = (!open && got.len() as i64 == limit)
        .then(|| got.last().map(|(e, _)| e.id.to_string()))
        .flatten();
    let rows = got
        .iter()
        .map(|(e, c)| QueueRow {
            patient_id: e.patient_id.to_string(),
            patient: names
                .get(&e.patient_id)
                .cloned()
                .unwrap_or_else(|| t.none.to_owned()),
            row: escalation_row(t, e, &user.clinic_tz, at),
            scores: c
                .as_ref()
                .map(|c| {
                    format!(
                        "{} {} · {} {} · {} {}",
                        t.redness, c.redness, t.swelling, c.swelling, t.pain, c.pain
                    )
                })
                .unwrap_or_else(|| t.none.to_owned()),
        })
        .collect();
    Ok(QueuePage {
        t,
        nav: Nav::of(user),
        title: t.queue_title.to_owned(),
        csrf: user.csrf.clone(),
        open,
        rows,
        next,
        error,
    })
}

/// `GET /console/escalations` (`?status=resolved` for the resolved ones, `&after=` to page).
pub async fn queue(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let q = Fields::parse(req.query_string().as_bytes());
    let open = q.get("status") != Some("resolved");
    let after = q.get("after").map(|a| a.chars().take(64).collect());
    page::ok(&queue_page(&state, &user, open, after, None).await?)
}

/// `POST /console/escalations/{id}/resolve`: with a note (1–2,000 characters). Back to the
/// patient's record when `back=patient`, else to the queue. Resolved already → the 409 page.
pub async fn resolve(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = EscalationId::from(id.into_inner());
    let note = match crate::validate::multiline_text(&form.raw("note"), NOTE_MAX) {
        Ok(n) => n,
        Err(m) => {
            let error = Some(format!("{}: {m}", page::texts().note));
            let page = queue_page(&state, &user, true, None, error).await?;
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (e, _) =
        care::check_ins::resolve(&state.db, &state.protocol, &user.actor(), &id, note, now())
            .await?;
    if form.get("back") == Some("patient") {
        return Ok(see_other(&format!("/console/patients/{}", e.patient_id)));
    }
    Ok(see_other("/console/escalations"))
}
