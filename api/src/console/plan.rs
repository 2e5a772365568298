//! The plan a recorded treatment generated: where the treatment form leads on success
//! (post/redirect/get, so a reload never records it twice).

use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{PatientId, TreatmentId};
use shared::time::now;

use super::labels;
use super::page::{self, ConsoleError, Nav, local};
use super::session::ConsoleUser;
use super::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

pub struct PlannedRow {
    pub when: String,
    pub kind: &'static str,
    pub title: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "console/plan.html")]
struct PlanPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    id: String,
    name: String,
    performed: String,
    rows: Vec<PlannedRow>,
}

/// `GET /console/patients/{id}/treatments/{treatment}`
pub async fn show(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: PathId<(String, String), ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let (id, treatment) = path.into_inner();
    let (id, treatment) = (PatientId::from(id), TreatmentId::from(treatment));
    let record = care::roster::record(&state.db, &user.actor(), &id, now()).await?;
    let performed = record
        .treatments
        .iter()
        .find(|t| t.id == treatment)
        .map(|t| local(t.performed_at, &user.clinic_tz))
        .ok_or_else(ConsoleError::not_found)?;
    let t = page::texts();
    let rows = record
        .prompts
        .iter()
        .filter(|p| p.treatment_id.as_ref() == Some(&treatment))
        .map(|p| PlannedRow {
            when: format!("{} {}", p.local_date, p.local_time),
            kind: labels::prompt_kind(t, p.kind),
            title: p.title.clone(),
            status: labels::prompt_status(t, p.status.shown(p.acknowledged_at.is_some())),
        })
        .collect();
    let p = &record.profile;
    page::ok(&PlanPage {
        t,
        nav: Nav::of(&user),
        title: t.generated_plan.to_owned(),
        id: id.to_string(),
        name: super::roster::display_name(
            t,
            &record.status,
            &p.given_name,
            p.family_name.as_deref(),
        ),
        performed,
        rows,
    })
}
