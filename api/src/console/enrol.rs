//! Enrolling a patient. The form parses with the API's own parser (`views::clinic::EnrolPatient`),
//! so the console accepts exactly what the API accepts, and calls the same use case. Errors are
//! shown next to their fields.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::sms::ConsentChange;
use shared::domain::{CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource};

use shared::time::now;

use super::onboarding::hand_over;
use super::page::{self, ConsoleError, FieldErrors, Nav, field_errors};
use super::session::{ConsoleUser, Fields, SessionForm};
use super::strings::Strings;
use crate::state::AppState;
use crate::views::clinic::EnrolPatient;

#[derive(Template)]
#[template(path = "console/enrol.html")]
struct EnrolPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    email: String,
    given_name: String,
    family_name: String,
    phone: String,
    timezone: String,
    locale: String,
    /// The consent wording for texts, read to the patient, in the console's language.
    sms_wording: String,
    sms_consent: bool,
    errors: FieldErrors,
}

fn enrol_page(user: &ConsoleUser, f: &Fields, errors: FieldErrors) -> EnrolPage {
    let t = page::texts();
    EnrolPage {
        t,
        nav: Nav::of(user),
        title: t.enrol_title.to_owned(),
        csrf: user.csrf.clone(),
        email: f.get("email").unwrap_or_default().to_owned(),
        given_name: f.get("given_name").unwrap_or_default().to_owned(),
        family_name: f.get("family_name").unwrap_or_default().to_owned(),
        phone: f.get("phone").unwrap_or_default().to_owned(),
        timezone: f
            .get("timezone")
            .unwrap_or(user.clinic_tz.name())
            .to_owned(),
        // The patient's language starts as the console's: the desk speaks it with them.
        locale: f.get("locale").unwrap_or(t.lang.tag()).to_owned(),
        sms_wording: crate::app_web::sms::wording(
            crate::app_web::strings::texts_in(t.lang),
            &user.clinic_name,
        ),
        sms_consent: f.get("sms_consent") == Some("yes"),
        errors,
    }
}

/// `GET /console/patients/new`
pub async fn enrol_form(user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    page::ok(&enrol_page(
        &user,
        &Fields::default(),
        FieldErrors::default(),
    ))
}

/// `POST /console/patients/new`: enrols (emailing the invitation when email is set up), then
/// redirects (303) to the invitation page, which shows the code to hand over. With
/// `sms_consent=yes` (the patient, present, agreed to the wording read to them) consent to texts
/// is recorded too (source `clinic`, method `console`, `CONSENT_TEXT_VERSION`); it needs a
/// mobile number, else 422 with the reason next to the phone.
pub async fn enrol(
    state: web::Data<AppState>,
    user: ConsoleUser,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let body = EnrolPatient {
        email: form.get("email").unwrap_or_default().to_owned(),
        given_name: form.get("given_name").unwrap_or_default().to_owned(),
        family_name: form.get("family_name").map(str::to_owned),
        phone: form.get("phone").map(str::to_owned),
        timezone: form.get("timezone").unwrap_or_default().to_owned(),
        locale: form.get("locale").unwrap_or_default().to_owned(),
        sms_consent: None,
    };
    let sms_consent = form.get("sms_consent") == Some("yes");
    let enrolment = match body.parse() {
        Ok(e) if sms_consent && e.phone.is_none() => {
            let why = page::texts().field_sms_needs_phone;
            let errors = FieldErrors(vec![shared::FieldError::new("phone", why)]);
            let page = enrol_page(&user, &form, errors);
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Ok(e) => e,
        Err(e) => {
            let page = enrol_page(&user, &form, field_errors(e)?);
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (id, invitation) = match care::invitations::enrol_patient(
        &state.db,
        &state.mailer,
        &user.actor(),
        enrolment,
        &state.config.public_url,
        now(),
    )
    .await
    {
        Ok(done) => done,
        Err(shared::Error::Conflict(why)) => {
            let errors = FieldErrors(vec![shared::FieldError::new(
                "email",
                super::field_messages::localise(page::texts(), &why),
            )]);
            let page = enrol_page(&user, &form, errors);
            return page::html(StatusCode::CONFLICT, &page);
        }
        // The mail server refused the address itself: said next to the email, form kept.
        Err(e @ shared::Error::Validation(_)) => {
            let page = enrol_page(&user, &form, field_errors(e)?);
            return page::html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e.into()),
    };
    if sms_consent {
        let change = ConsentChange {
            clinic_id: user.clinic_id.clone(),
            patient_id: id.clone(),
            granted: true,
            text_version: CONSENT_TEXT_VERSION.to_owned(),
            source: ConsentSource::Clinic,
            method: ConsentMethod::Console,
            recorded_by: Some(user.user_id.clone()),
        };
        care::sms::record_consent(&state.db, change, now()).await?;
    }
    let to = format!("/console/patients/{id}/invitation");
    Ok(hand_over(&state, &user, id.as_str(), &invitation, &to))
}
