//! The roster: the clinic's patients with search, filters, sort and a cursor
//! (`shared::care::roster::browse`). The search is a GET form, so its terms sit in the query
//! string: the request log records route patterns only (`request_log.rs`) and every console
//! answer says `Referrer-Policy: no-referrer`, so they reach neither logs nor other sites.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use shared::care;
use shared::care::roster::{LOW_ADHERENCE, ListStatus, PatientSummary, RosterQuery, RosterSort};
use shared::domain::TimeZone;
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, Nav, local_utc};
use super::session::{ConsoleUser, Fields};
use super::strings::Strings;
use crate::path_id::is_canonical_uuid;
use crate::state::AppState;

/// Rows per page.
pub const PAGE_SIZE: usize = 25;

/// One roster row, ready to print.
pub struct Row {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    /// `Day 3`, or `—` before any treatment.
    pub recovery: String,
    pub open_escalations: i64,
    pub adherence: String,
    pub low_adherence: bool,
    pub last_treatment: String,
    pub next_session: String,
    /// The latest answer before the booked session reported something.
    pub screening_flagged: bool,
}

#[derive(Template)]
#[template(path = "console/roster.html")]
pub struct RosterPage {
    pub t: &'static Strings,
    pub nav: Option<Nav>,
    pub title: String,
    pub q: String,
    pub status: String,
    pub open: bool,
    pub low: bool,
    pub sort: &'static str,
    pub rows: Vec<Row>,
    /// The next page's query string, when there is one.
    pub next: Option<String>,
    /// The first page's query string, on a later page.
    pub first: Option<String>,
}

/// Treatment day as the patient counts it (`Day 0` is the day of the treatment), in the
/// clinic's time zone.
pub fn recovery_day(
    last: Option<DateTime<Utc>>,
    today: DateTime<Utc>,
    tz: &TimeZone,
) -> Option<i64> {
    let last = last?.with_timezone(&tz.0).date_naive();
    Some(
        (today.with_timezone(&tz.0).date_naive() - last)
            .num_days()
            .max(0),
    )
}

/// The label of a roster status code (`invited`, `active`, `discharged`, `erased`).
pub fn status_label(t: &Strings, status: &str) -> &'static str {
    labels::patient_status(t, ListStatus::parse(status).unwrap_or(ListStatus::Active))
}

/// Whether a patient of this status is out of care: no recovery day, no discharge button.
pub fn out_of_care(status: &str) -> bool {
    matches!(status, "discharged" | "erased")
}

/// A patient's name as the console prints it; an erased patient has none left.
pub fn display_name(t: &Strings, status: &str, given: &str, family: Option<&str>) -> String {
    if status == "erased" {
        return t.erased_name.to_owned();
    }
    match family {
        Some(f) => format!("{given} {f}"),
        None => given.to_owned(),
    }
}

/// A summary as the roster prints it.
pub fn row(t: &Strings, s: PatientSummary, tz: &TimeZone, today: DateTime<Utc>) -> Row {
    let name = display_name(t, &s.status, &s.given_name, s.family_name.as_deref());
    let recovery = match recovery_day(s.last_treatment_at, today, tz) {
        Some(d) if !out_of_care(&s.status) => format!("{} {d}", t.day),
        _ => t.none.to_owned(),
    };
    Row {
        id: s.id.to_string(),
        name,
        status: status_label(t, &s.status),
        recovery,
        open_escalations: s.open_escalations,
        adherence: s
            .adherence
            .map_or_else(|| t.none.to_owned(), |a| format!("{:.0}%", a * 100.0)),
        low_adherence: s.adherence.is_some_and(|a| a < LOW_ADHERENCE),
        last_treatment: s
            .last_treatment_at
            .map_or_else(|| t.none.to_owned(), |at| local_utc(at, tz)),
        next_session: s
            .next_session_at
            .map_or_else(|| t.none.to_owned(), |at| local_utc(at, tz)),
        screening_flagged: s.screening_flagged,
    }
}

/// The roster's query string, parsed leniently: an unknown value is ignored, never an error.
pub fn parse_query(raw: &str) -> RosterQuery {
    let f = Fields::parse(raw.as_bytes());
    RosterQuery {
        status: f.get("status").and_then(ListStatus::parse),
        q: f.get("q").map(|q| q.chars().take(200).collect()),
        open_escalations: f.has("open"),
        low_adherence: f.has("low"),
        sort: f
            .get("sort")
            .and_then(RosterSort::parse)
            .unwrap_or_default(),
        // Only an id the console wrote into its own link; anything else is the first page.
        after: f
            .get("after")
            .filter(|a| is_canonical_uuid(a))
            .map(str::to_owned),
        limit: PAGE_SIZE,
    }
}

fn status_code(s: Option<ListStatus>) -> &'static str {
    match s {
        Some(ListStatus::Invited) => "invited",
        Some(ListStatus::Active) => "active",
        Some(ListStatus::Discharged) => "discharged",
        Some(ListStatus::Erased) => "erased",
        None => "",
    }
}

/// Renders one roster page for `user` (shared by the handler and the benchmark).
pub async fn render(
    state: &AppState,
    user: &ConsoleUser,
    query: RosterQuery,
) -> Result<String, ConsoleError> {
    let t = page::texts();
    let view = query.clone();
    let got = care::roster::browse(&state.db, &user.actor(), query, now()).await?;
    let today = Utc::now();
    let rows: Vec<Row> = got
        .rows
        .into_iter()
        .map(|s| row(t, s, &user.clinic_tz, today))
        .collect();
    // The filters as a query string, for the pager's links.
    let filters = |after: Option<&str>| {
        let mut qs = form_urlencoded::Serializer::new(String::new());
        if let Some(q) = &view.q {
            qs.append_pair("q", q);
        }
        let status = status_code(view.status);
        if !status.is_empty() {
            qs.append_pair("status", status);
        }
        if view.open_escalations {
            qs.append_pair("open", "1");
        }
        if view.low_adherence {
            qs.append_pair("low", "1");
        }
        qs.append_pair("sort", view.sort.code());
        if let Some(after) = after {
            qs.append_pair("after", after);
        }
        qs.finish()
    };
    let next = match (got.more, rows.last()) {
        (true, Some(last)) => Some(filters(Some(&last.id))),
        _ => None,
    };
    let first = view.after.is_some().then(|| filters(None));
    let page = RosterPage {
        t,
        nav: Nav::of(user),
        title: t.roster_title.to_owned(),
        q: view.q.clone().unwrap_or_default(),
        status: status_code(view.status).to_owned(),
        open: view.open_escalations,
        low: view.low_adherence,
        sort: view.sort.code(),
        rows,
        next,
        first,
    };
    page.render()
        .map_err(|e| ConsoleError::internal(&format!("template: {e}")))
}

/// `GET /console/`
pub async fn roster(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let body = render(&state, &user, parse_query(req.query_string())).await?;
    let mut resp = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body);
    page::console_headers(&mut resp);
    Ok(resp)
}
