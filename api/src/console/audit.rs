//! The audit log with filters (clinic admins only; a clinician gets the 403 page).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{AuditAction, PatientId, UserId};

use super::page::{self, ConsoleError, Nav, local};
use super::session::{ConsoleUser, Fields};
use super::strings::Strings;
use crate::state::AppState;

/// Audit rows per page.
const AUDIT_PAGE: i64 = 100;

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub patient_id: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    patient_id: String,
    action: String,
    actions: Vec<(&'static str, bool)>,
    rows: Vec<AuditRow>,
    next: Option<String>,
}

/// `GET /console/audit?patient_id=&action=&after=`
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
        .map(|p| p.chars().take(64).collect::<String>());
    // An action the log does not know matches no entry, as before the filter was typed.
    let action_text = q.get("action").filter(|a| !a.is_empty());
    let action = action_text.map(AuditAction::parse);
    let after = q
        .get("after")
        .map(|a| a.chars().take(64).collect::<String>());
    let query = care::clinic::AuditQuery {
        patient_id: patient.clone().map(PatientId::from),
        any_patient_id: true,
        action: action.flatten(),
        before_id: after,
        limit: AUDIT_PAGE,
    };
    let rows = match action {
        Some(None) => Vec::new(),
        _ => care::clinic::audit_log(&state.db, &user.actor(), query).await?,
    };
    let staff = care::staff::list(&state.db, &user.actor()).await?;
    let name_of = |id: &UserId| {
        staff
            .iter()
            .find(|s| &s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let next = (rows.len() as i64 == AUDIT_PAGE)
        .then(|| rows.last())
        .flatten()
        .map(|last| {
            let mut qs = form_urlencoded::Serializer::new(String::new());
            if let Some(p) = &patient {
                qs.append_pair("patient_id", p);
            }
            if let Some(a) = action_text {
                qs.append_pair("action", a);
            }
            qs.append_pair("after", &last.id);
            qs.finish()
        });
    page::ok(&AuditPage {
        t,
        nav: Nav::of(&user),
        title: t.audit_title.to_owned(),
        patient_id: patient.unwrap_or_default(),
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_str(), action == Some(Some(*a))))
            .collect(),
        action: action_text.unwrap_or_default().chars().take(64).collect(),
        rows: rows
            .iter()
            .map(|r| AuditRow {
                at: local(r.at, &user.clinic_tz),
                actor: r
                    .actor_id
                    .as_ref()
                    .map_or_else(|| t.none.to_owned(), name_of),
                action: r.action.to_string(),
                patient_id: r
                    .patient_id
                    .as_ref()
                    .map_or_else(|| t.none.to_owned(), ToString::to_string),
            })
            .collect(),
        next,
    })
}
