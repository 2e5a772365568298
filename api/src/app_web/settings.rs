//! Settings: the index (preferences, devices, notifications, account) and the preferences form
//! (quiet hours, channels, lock-screen preview, language, time zone). The form is checked by the
//! API's own parser (`views::patient::UpdateMe`) and saved by `shared::care::preferences::update`
//! (which re-plans the future prompts), as `PATCH /v1/me` does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care::preferences;
use shared::domain::LockScreenPreview;
use shared::time::now;

use super::page::{self, AppError, Nav, see_other};
use super::session::{Fields, Patient, SessionForm};
use super::strings::{Lang, Texts};
use crate::state::AppState;
use crate::views::patient::{QuietHoursView, UpdateChannels, UpdateMe};

#[derive(Template)]
#[template(path = "app/settings.html")]
struct SettingsPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
}

/// `GET /app/settings`
pub async fn index(patient: Patient) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::ok(&SettingsPage {
        t,
        nav: patient.nav("settings"),
        title: t.settings_title.clone(),
    })
}

/// What the preferences form shows: the stored values, or what was typed when it comes back.
pub struct Prefs {
    pub quiet_off: bool,
    pub quiet_start: String,
    pub quiet_end: String,
    pub push: bool,
    pub email: bool,
    /// Texts (`channels.sms`), when consent to them is in force (the "Text messages" page).
    pub sms: bool,
    pub full_preview: bool,
    /// The preview as sent (`private` or `full`; anything else is refused by the API's parser).
    pub preview: String,
    pub locale: String,
    pub timezone: String,
}

#[derive(Template)]
#[template(path = "app/preferences.html")]
struct PreferencesPage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    prefs: Prefs,
    /// (tag, own name) of every language.
    languages: Vec<(&'static str, &'static str)>,
    saved: bool,
    errors: Vec<String>,
}

fn render(
    patient: &Patient,
    status: StatusCode,
    prefs: Prefs,
    saved: bool,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::html(
        status,
        &PreferencesPage {
            t,
            nav: patient.nav("settings"),
            title: t.prefs_title.clone(),
            prefs,
            languages: Lang::ALL.iter().map(|l| (l.tag(), l.endonym())).collect(),
            saved,
            errors,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /app/preferences` (`?saved=1` after a save says so).
pub async fn preferences(
    patient: Patient,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let p = &patient.me.profile;
    let prefs = Prefs {
        quiet_off: p.quiet_start.is_none(),
        quiet_start: p.quiet_start.clone().unwrap_or_else(|| "21:00".into()),
        quiet_end: p.quiet_end.clone().unwrap_or_else(|| "08:00".into()),
        push: p.push_enabled,
        email: p.email_enabled,
        sms: p.sms_enabled,
        full_preview: p.lock_screen_preview == LockScreenPreview::Full,
        preview: p.lock_screen_preview.as_str().to_owned(),
        locale: p.locale.as_str().to_owned(),
        timezone: p.timezone.0.name().to_owned(),
    };
    let saved = query.saved.is_some();
    render(&patient, StatusCode::OK, prefs, saved, Vec::new())
}

fn typed(form: &Fields) -> Prefs {
    let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
    Prefs {
        quiet_off: form.has("quiet_off"),
        quiet_start: text("quiet_start"),
        quiet_end: text("quiet_end"),
        push: form.has("push"),
        email: form.has("email"),
        sms: form.has("sms"),
        full_preview: form.get("preview") == Some("full"),
        preview: text("preview"),
        locale: text("locale"),
        timezone: text("timezone"),
    }
}

/// The form as the API's body (every field sent: a form always says all of them).
fn as_update(p: &Prefs) -> UpdateMe {
    UpdateMe {
        timezone: Some(p.timezone.clone()),
        locale: Some(p.locale.clone()),
        quiet_hours: Some((!p.quiet_off).then(|| QuietHoursView {
            start: p.quiet_start.clone(),
            end: p.quiet_end.clone(),
        })),
        channels: Some(UpdateChannels {
            push: Some(p.push),
            email: Some(p.email),
            sms: Some(p.sms),
        }),
        lock_screen_preview: Some(p.preview.clone()),
        // The phone and consent are not this form's: the clinic keeps the number, the "Text
        // messages" page the consent.
        ..UpdateMe::default()
    }
}

/// `POST /app/preferences`: saves and re-plans, then back to the form saying "Saved" (in the
/// newly chosen language). Invalid values are 422 with the form as typed and the reasons.
pub async fn save_preferences(
    state: web::Data<AppState>,
    patient: Patient,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, AppError> {
    let prefs = typed(&form);
    let update = match as_update(&prefs).parse() {
        Ok(u) => u,
        Err(Error::Validation(errors)) => {
            let words = crate::console::strings::strings(page::texts().lang);
            let errors = errors
                .iter()
                .map(|e| {
                    let label = field_label(page::texts(), &e.field);
                    let why = crate::console::field_messages::localise(words, &e.message);
                    format!("{label}: {why}")
                })
                .collect();
            return render(
                &patient,
                StatusCode::UNPROCESSABLE_ENTITY,
                prefs,
                false,
                errors,
            );
        }
        Err(e) => return Err(e.into()),
    };
    let outcome =
        preferences::update(&state.db, &state.protocols, &patient.id, update, now()).await?;
    tracing::info!(patient_id = %patient.id, updated = outcome.updated, "preferences changed");
    Ok(see_other("/app/preferences?saved=1"))
}

fn field_label<'t>(t: &'t Texts, field: &str) -> &'t str {
    match field {
        "timezone" => &t.time_zone,
        "locale" => &t.language,
        "quiet_hours.start" => &t.quiet_start,
        "quiet_hours.end" => &t.quiet_end,
        "quiet_hours" => &t.quiet_hours,
        _ => &t.preview_legend,
    }
}
