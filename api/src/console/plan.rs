//! The plan a recorded treatment generated: where the treatment form leads on success
//! (post/redirect/get, so a reload never records it twice).

use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::{PatientId, TreatmentId};
use shared::time::now;

use super::page::{self, ConsoleError, Nav, local};
use super::session::ConsoleUser;
use super::strings::Strings;
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
    path: web::Path<(String, String)>,
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
    let rows = record
        .prompts
        .iter()
        .filter(|p| p.treatment_id.as_ref() == Some(&treatment))
        .map(|p| PlannedRow {
            when: format!("{} {}", p.local_date, p.local_time),
            kind: p.kind.as_str(),
            title: p.title.clone(),
            status: p.status.as_str(),
        })
        .collect();
    let t = page::texts();
    let p = &record.profile;
    page::ok(&PlanPage {
        t,
        nav: Nav::of(&user),
        title: t.generated_plan.to_owned(),
        id: id.to_string(),
        name: match &p.family_name {
            Some(f) => format!("{} {f}", p.given_name),
            None => p.given_name.clone(),
        },
        performed,
        rows,
    })
}
