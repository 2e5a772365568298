//! One prompt of a version: its page (`GET /console/protocols/{id}/prompt?n=<position>`, a form
//! on a draft, read-only otherwise), saving it, adding a prompt (`…/prompt/new`) and removing
//! one after a confirmation (`…/prompt/remove?n=`). Each save sends the whole draft to
//! `care::protocols::update` with this prompt replaced (added, removed); a refusal shows the
//! page again as typed, with each finding beside its field and a summary on top.
//!
//! A posted form names its prompt by the key it had when the page was drawn (`prompt_key`; the
//! `n` of a posted address is not used) and carries the draft's revision (`revision`): a draft
//! changed since is the 409 page ([`super::conflict`]), a prompt removed since the 404 page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::protocols::Versioned;
use shared::domain::ProtocolId;
use shared::time::now;
use shared::{Error, FieldError};

use super::conflict::{conflict_page, position_of_key, posted_revision, prompt_what, revision_of};
use super::errors::{SummaryLine, split};
use super::prompt_form::{Choice, PromptValues, label};
use super::version::day_words;
use super::{load, load_draft, version_name};
use crate::console::page::{self, ConsoleError, FieldErrors, Nav, see_other};
use crate::console::session::{ConsoleUser, Fields, SessionForm};
use crate::console::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/protocols_prompt.html")]
struct PromptPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    version: String,
    /// The prompt's position; `None` for a new one.
    n: Option<usize>,
    /// The prompt's key as stored (empty for a new one), posted back as `prompt_key`.
    was_key: String,
    /// The draft's revision the form is drawn from, posted back as `revision`.
    revision: String,
    editable: bool,
    v: PromptValues,
    kinds: Vec<Choice>,
    anchors: Vec<Choice>,
    areas: Vec<Choice>,
    devices: Vec<Choice>,
    prp: Vec<Choice>,
    course: Vec<Choice>,
    facts: Vec<Choice>,
    errors: FieldErrors,
    summary: Vec<SummaryLine>,
}

fn prompt_page(
    state: &AppState,
    user: &ConsoleUser,
    v: &Versioned,
    n: Option<usize>,
    values: PromptValues,
    errors: FieldErrors,
    summary: Vec<SummaryLine>,
) -> PromptPage {
    let t = page::texts();
    let values = values.printable();
    let facts = state.protocols.default_protocol().facts();
    let title = match n {
        Some(_) => t.fmt(
            "proto_prompt_title",
            &[
                (
                    "day",
                    day_words(t, &values.anchor, values.day.parse().unwrap_or(0)).into(),
                ),
                (
                    "title",
                    match t.lang {
                        crate::console::strings::Lang::Es => values.es_title.clone(),
                        crate::console::strings::Lang::En => values.en_title.clone(),
                    }
                    .into(),
                ),
            ],
        ),
        None => t.proto_new_prompt.to_owned(),
    };
    PromptPage {
        t,
        nav: Nav::of(user),
        title,
        csrf: user.csrf.clone(),
        id: v.summary.id.to_string(),
        version: version_name(t, v.summary.version),
        n,
        was_key: n
            .and_then(|n| v.document.prompts.get(n))
            .map(|p| p.key.clone())
            .unwrap_or_default(),
        revision: revision_of(v),
        editable: v.summary.status == shared::domain::ProtocolStatus::Draft,
        kinds: values.kinds(t),
        anchors: values.anchors(t),
        areas: values.area_choices(t),
        devices: values.device_choices(t),
        prp: values.prp_choices(t),
        course: values.course_choices(t),
        facts: values.fact_choices(facts.iter().map(|(id, f)| (id, f.text.as_str()))),
        v: values,
        errors,
        summary,
    }
}

/// The `n` of the query: a prompt of `v` (else the 404 page).
fn position(req: &HttpRequest, v: &Versioned) -> Result<usize, ConsoleError> {
    Fields::parse(req.query_string().as_bytes())
        .get("n")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < v.document.prompts.len())
        .ok_or_else(ConsoleError::not_found)
}

/// A finding about the whole prompt (`clinic_instruction`) is shown at the clinician's name.
fn canonical(mut found: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut found {
        if e.field.ends_with("].clinic_instruction") {
            e.field.push_str(".clinician");
        }
    }
    found
}

/// `GET /console/protocols/{id}/prompt?n=`.
pub async fn edit_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load(&state, &user, &id).await?;
    let n = position(&req, &v)?;
    let values = PromptValues::of(&v.document.prompts[n]);
    let page = prompt_page(
        &state,
        &user,
        &v,
        Some(n),
        values,
        FieldErrors::default(),
        vec![],
    );
    page::ok(&page)
}

/// `GET /console/protocols/{id}/prompt/new`.
pub async fn new_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    let page = prompt_page(
        &state,
        &user,
        &v,
        None,
        PromptValues::new_prompt(),
        FieldErrors::default(),
        vec![],
    );
    page::ok(&page)
}

/// Saves `v`'s draft with the prompt at `n` (`None`: a new one at the end) as posted; the
/// page again with what was wrong when refused.
async fn save_prompt(
    state: &AppState,
    user: &ConsoleUser,
    v: Versioned,
    n: Option<usize>,
    form: &Fields,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let values = PromptValues::posted(form);
    let at = n.unwrap_or(v.document.prompts.len());
    let prefix = format!("prompts[{at}].");
    let found = match values.document(t) {
        Err(found) => found
            .into_iter()
            .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.message))
            .collect(),
        Ok(prompt) => {
            let mut doc = v.document.clone();
            match n {
                Some(n) => doc.prompts[n] = prompt,
                None => doc.prompts.push(prompt),
            }
            let saved = care::protocols::update(
                &state.db,
                &state.protocols,
                &user.actor(),
                &v.summary.id,
                doc,
                Some(v.summary.updated_at),
                now(),
            )
            .await;
            match saved {
                Ok(_) => {
                    return Ok(see_other(&format!(
                        "/console/protocols/{}?saved=1",
                        v.summary.id
                    )));
                }
                Err(Error::Validation(found)) => found,
                Err(Error::Conflict(_)) => {
                    let current = load(state, user, &v.summary.id).await?;
                    let key = form.get("prompt_key");
                    return conflict_page(user, &current, key, typed(t, &values));
                }
                Err(e) => return Err(ConsoleError(e)),
            }
        }
    };
    let (errors, summary) = split(canonical(found), &prefix, |f| label(t, f));
    let page = prompt_page(state, user, &v, n, values, errors, summary);
    page::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The texts a posted prompt form carried, for the 409 page.
fn typed(t: &Strings, v: &PromptValues) -> Vec<(String, String)> {
    let v = v.clone().printable();
    vec![
        (t.proto_f_en_title.to_owned(), v.en_title),
        (t.proto_f_en_body.to_owned(), v.en_body),
        (t.proto_f_es_title.to_owned(), v.es_title),
        (t.proto_f_es_body.to_owned(), v.es_body),
    ]
}

/// Whether the form was drawn from `v` as it is now (its `revision`).
fn is_current(form: &Fields, v: &Versioned) -> bool {
    posted_revision(form) == Some(v.summary.updated_at)
}

/// `POST /console/protocols/{id}/prompt` (the prompt named by `prompt_key`, from the draft at
/// `revision`).
pub async fn save(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    if !is_current(&form, &v) {
        let values = PromptValues::posted(&form);
        let typed = typed(page::texts(), &values);
        return conflict_page(&user, &v, form.get("prompt_key"), typed);
    }
    let n = position_of_key(&form, &v)?;
    save_prompt(&state, &user, v, Some(n), &form).await
}

/// `POST /console/protocols/{id}/prompt/new` (to the draft at `revision`).
pub async fn add(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    if !is_current(&form, &v) {
        let typed = typed(page::texts(), &PromptValues::posted(&form));
        return conflict_page(&user, &v, None, typed);
    }
    save_prompt(&state, &user, v, None, &form).await
}

#[derive(Template)]
#[template(path = "console/protocols_remove.html")]
struct RemovePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    version: String,
    n: usize,
    /// The prompt's key and the draft's revision, posted back.
    key: String,
    revision: String,
    what: String,
    summary: Vec<SummaryLine>,
}

fn remove_page(
    user: &ConsoleUser,
    v: &Versioned,
    n: usize,
    summary: Vec<SummaryLine>,
) -> RemovePage {
    let t = page::texts();
    let p = &v.document.prompts[n];
    RemovePage {
        t,
        nav: Nav::of(user),
        title: t.proto_remove_title.to_owned(),
        csrf: user.csrf.clone(),
        id: v.summary.id.to_string(),
        version: version_name(t, v.summary.version),
        n,
        key: p.key.clone(),
        revision: revision_of(v),
        what: prompt_what(t, p),
        summary,
    }
}

/// `GET /console/protocols/{id}/prompt/remove?n=`: are you sure?
pub async fn confirm_remove(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    let n = position(&req, &v)?;
    page::ok(&remove_page(&user, &v, n, vec![]))
}

/// `POST /console/protocols/{id}/prompt/remove` (the prompt named by `prompt_key`, from the
/// draft at `revision`): the draft without that prompt; refused (the warning signs cannot be
/// dropped, say) with the reasons on the confirmation page. A second submit of the same form
/// finds the draft changed (409), never removing another prompt.
pub async fn remove(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    if !is_current(&form, &v) {
        return conflict_page(&user, &v, form.get("prompt_key"), vec![]);
    }
    let n = position_of_key(&form, &v)?;
    let mut doc = v.document.clone();
    doc.prompts.remove(n);
    let (actor, at) = (user.actor(), Some(v.summary.updated_at));
    let saved =
        care::protocols::update(&state.db, &state.protocols, &actor, &id, doc, at, now()).await;
    match saved {
        Ok(_) => Ok(see_other(&format!("/console/protocols/{id}?removed=1"))),
        Err(Error::Conflict(_)) => {
            let current = load(&state, &user, &id).await?;
            conflict_page(&user, &current, form.get("prompt_key"), vec![])
        }
        Err(Error::Validation(found)) => {
            let (_, summary) = split(found, "", |_| None);
            page::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &remove_page(&user, &v, n, summary),
            )
        }
        Err(e) => Err(ConsoleError(e)),
    }
}
