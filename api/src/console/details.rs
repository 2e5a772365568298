//! Correcting a patient's email, phone and names: the form parses with the API's own parser
//! (`views::invitation::CorrectPatient`) and calls the use case of
//! `PATCH /v1/clinic/patients/{id}`. Errors keep what was typed; success redirects (303) to the
//! form with a confirmation, or, when a waiting patient's email changed and a new invitation
//! was issued, to the invitation page with the new code.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::PatientId;
use shared::time::now;

use super::onboarding::hand_over;
use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors, see_other};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::invitation::CorrectPatient;

#[derive(Template)]
#[template(path = "console/details.html")]
struct DetailsPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    name: String,
    confirmation: Option<String>,
    email: String,
    phone: String,
    given_name: String,
    family_name: String,
    errors: FieldErrors,
}

/// The current values, read as the record page reads them (audited `patient.read`).
async fn current(
    state: &AppState,
    user: &ConsoleUser,
    id: &PatientId,
) -> Result<Fields, ConsoleError> {
    let r = care::roster::record(&state.db, &user.actor(), id, now()).await?;
    if r.status == "erased" {
        return Err(ConsoleError(shared::Error::Conflict(
            page::texts().erased_cannot_change.to_owned(),
        )));
    }
    let p = r.profile;
    let body = [
        ("email", r.email),
        ("phone", p.phone.unwrap_or_default()),
        ("given_name", p.given_name),
        ("family_name", p.family_name.unwrap_or_default()),
    ]
    .iter()
    .map(|(k, v)| {
        format!(
            "{k}={}",
            form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
        )
    })
    .collect::<Vec<_>>()
    .join("&");
    Ok(Fields::parse(body.as_bytes()))
}

fn details_page(
    user: &ConsoleUser,
    id: &str,
    f: &Fields,
    errors: FieldErrors,
    confirmation: Option<String>,
) -> DetailsPage {
    let t = page::texts();
    let given = f.get("given_name").unwrap_or_default();
    DetailsPage {
        t,
        nav: Nav::of(user),
        title: t.details_title.to_owned(),
        csrf: user.csrf.clone(),
        id: id.to_owned(),
        name: given.to_owned(),
        confirmation,
        email: f.raw("email"),
        phone: f.raw("phone"),
        given_name: f.raw("given_name"),
        family_name: f.raw("family_name"),
        errors,
    }
}

/// `GET /console/patients/{id}/details`
pub async fn details_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let id = id.into_inner();
    let fields = current(&state, &user, &PatientId::from(id.clone())).await?;
    let confirmation = query.iter().find(|(k, _)| k == "done").map(|(_, v)| {
        if v == "none" {
            t.details_unchanged.to_owned()
        } else {
            t.details_saved.to_owned()
        }
    });
    page::ok(&details_page(
        &user,
        &id,
        &fields,
        FieldErrors::default(),
        confirmation,
    ))
}

/// `POST /console/patients/{id}/details`: every field of the form is sent; an emptied phone or
/// family name clears it.
pub async fn save_details(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let body = CorrectPatient {
        email: Some(form.get("email").map(str::to_owned)),
        phone: Some(form.get("phone").map(str::to_owned)),
        given_name: Some(form.get("given_name").map(str::to_owned)),
        family_name: Some(form.get("family_name").map(str::to_owned)),
        sms_consent: None,
    };
    let refused = |status, errors| {
        let page = details_page(&user, &id, &form, errors, None);
        page::html(status, &page)
    };
    let details = match body.parse() {
        Ok(d) => d,
        Err(e) => return refused(StatusCode::UNPROCESSABLE_ENTITY, field_errors(e)?),
    };
    let corrected = match care::patient_details::correct(
        &state.db,
        &state.mailer,
        &user.actor(),
        &PatientId::from(id.clone()),
        details,
        &state.config.public_url,
        now(),
    )
    .await
    {
        Ok(c) => c,
        Err(shared::Error::Conflict(why)) if form.has("email") && why.contains("email") => {
            let errors = FieldErrors(vec![shared::FieldError::new(
                "email",
                page::texts().email_taken,
            )]);
            return refused(StatusCode::CONFLICT, errors);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(invitation) = &corrected.invitation {
        let to = format!("/console/patients/{id}/invitation?done=new");
        return Ok(hand_over(&state, &user, &id, invitation, &to));
    }
    let done = if corrected.changed.is_empty() {
        "none"
    } else {
        "saved"
    };
    Ok(see_other(&format!(
        "/console/patients/{id}/details?done={done}"
    )))
}
