//! The clinic's protocol versions (`/console/protocols`), a new draft from the default or from a
//! version, and one version's page: its prompts grouped by anchor and day, each a link to its
//! own page, and what can be done with it.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::protocols::{BasedOn, Summary};
use shared::domain::{PromptKind, ProtocolId, ProtocolStatus};
use shared::time::now;

use super::prompt_form::anchor_word;
use super::{load, status_word, version_name};
use crate::console::labels;
use crate::console::page::{self, ConsoleError, Nav, local, see_other};
use crate::console::session::{ConsoleUser, Fields, SessionForm};
use crate::console::strings::Strings;
use crate::path_id::{PathId, is_canonical_uuid};
use crate::state::AppState;

/// The most versions the list shows (a clinic publishes a handful a year).
const LIST_LIMIT: i64 = 100;

pub struct VersionRow {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub is_draft: bool,
    pub based_on: String,
    pub published: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "console/protocols.html")]
struct ListPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    in_use: String,
    rows: Vec<VersionRow>,
    /// The versions a draft can start from: (id, name).
    sources: Vec<(String, String)>,
    error: Option<String>,
}

fn row(t: &Strings, s: &Summary, all: &[Summary], user: &ConsoleUser) -> VersionRow {
    let tz = &user.clinic_tz;
    VersionRow {
        id: s.id.to_string(),
        name: version_name(t, s.version),
        status: status_word(t, s.status),
        is_draft: s.status == ProtocolStatus::Draft,
        based_on: based_on_words(t, &s.based_on, all),
        published: match s.published_at {
            Some(at) => t.fmt(
                "proto_published_by",
                &[
                    ("when", local(at, tz).into()),
                    (
                        "who",
                        s.published_by_name.clone().unwrap_or_default().into(),
                    ),
                ],
            ),
            None => String::new(),
        },
        updated: local(s.updated_at, tz),
    }
}

/// "The default" or "Version 2".
pub fn based_on_words(t: &Strings, based_on: &str, all: &[Summary]) -> String {
    if based_on == "default" {
        return t.proto_the_default.to_owned();
    }
    all.iter()
        .find(|s| s.id.as_str() == based_on)
        .map(|s| version_name(t, s.version))
        .unwrap_or_else(|| t.proto_an_earlier_version.to_owned())
}

async fn list_page(
    state: &AppState,
    user: &ConsoleUser,
    error: Option<String>,
) -> Result<ListPage, ConsoleError> {
    let t = page::texts();
    let all = care::protocols::list(&state.db, &user.actor(), None, LIST_LIMIT).await?;
    let in_use = match all.iter().find(|s| s.status == ProtocolStatus::Published) {
        Some(p) => t.fmt(
            "proto_in_use_version",
            &[("version", version_name(t, p.version).into())],
        ),
        None => t.proto_in_use_default.to_owned(),
    };
    Ok(ListPage {
        t,
        nav: Nav::of(user),
        title: t.proto_title.to_owned(),
        csrf: user.csrf.clone(),
        in_use,
        rows: all.iter().map(|s| row(t, s, &all, user)).collect(),
        sources: all
            .iter()
            .map(|s| (s.id.to_string(), version_name(t, s.version)))
            .collect(),
        error,
    })
}

/// `GET /console/protocols`.
pub async fn list(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    page::ok(&list_page(&state, &user, None).await?)
}

/// `POST /console/protocols` (`based_on`: `default` or a version's id): a new draft, then its
/// page. Anything else, or an id that is not one of the clinic's versions, is the list again
/// (422) with a message saying what to choose.
pub async fn create(
    state: web::Data<AppState>,
    user: ConsoleUser,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let based_on = match form.get("based_on").unwrap_or("default") {
        "default" => BasedOn::Default,
        id if is_canonical_uuid(id) => BasedOn::Version(ProtocolId::from(id)),
        // Not a choice the page offers: the list again, saying what to choose.
        _ => {
            let message = page::texts().proto_err_based_on.to_owned();
            let page = list_page(&state, &user, Some(message)).await?;
            return page::html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match care::protocols::create(&state.db, &state.protocols, &user.actor(), based_on, now()).await
    {
        Ok(v) => Ok(see_other(&format!("/console/protocols/{}", v.summary.id))),
        Err(shared::Error::Validation(found)) => {
            let t = page::texts();
            let message = found
                .iter()
                .map(|e| crate::console::field_messages::localise(t, &e.message))
                .collect::<Vec<_>>()
                .join("; ");
            let page = list_page(&state, &user, Some(message)).await?;
            page::html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(ConsoleError(e)),
    }
}

/// One prompt in the version's list.
pub struct PromptLine {
    pub n: usize,
    pub day: String,
    pub time: String,
    pub title: String,
    pub kind: &'static str,
    pub important: bool,
    pub for_whom: bool,
}

/// The prompts counting from one anchor.
pub struct Group {
    pub id: &'static str,
    pub heading: &'static str,
    pub prompts: Vec<PromptLine>,
}

#[derive(Template)]
#[template(path = "console/protocols_version.html")]
struct VersionPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    status: &'static str,
    is_draft: bool,
    is_admin: bool,
    based_on: String,
    published: String,
    updated: String,
    /// What the last action did (`?saved`, `?published=n`, `?removed`), said once.
    notice: Option<String>,
    groups: Vec<Group>,
    count: usize,
    history: Vec<String>,
}

/// The day in words: "Day 3" after the treatment, "7 days before" a booking.
pub fn day_words(t: &Strings, anchor: &str, day: i32) -> String {
    match anchor {
        "booking" => t.fmt("proto_days_before", &[("days", (-day).into())]),
        "course" => t.fmt("proto_days_after_course", &[("days", day.into())]),
        _ => t.fmt("proto_day_n", &[("day", day.into())]),
    }
}

/// `GET /console/protocols/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let id = ProtocolId::from(id.into_inner());
    let v = load(&state, &user, &id).await?;
    let all = care::protocols::list(&state.db, &user.actor(), None, LIST_LIMIT).await?;
    let history = care::protocols::history(&state.db, &user.actor(), &id).await?;
    let q = Fields::parse(req.query_string().as_bytes());
    let notice = if let Some(n) = q.get("published") {
        Some(t.fmt(
            "proto_notice_published",
            &[("count", n.parse::<i64>().unwrap_or(0).into())],
        ))
    } else if q.has("saved") {
        Some(t.proto_notice_saved.to_owned())
    } else if q.has("removed") {
        Some(t.proto_notice_removed.to_owned())
    } else {
        None
    };
    let mut groups: Vec<Group> = ["booking", "treatment", "course"]
        .into_iter()
        .map(|a| Group {
            id: a,
            heading: anchor_word(t, a),
            prompts: Vec::new(),
        })
        .collect();
    for (n, p) in v.document.prompts.iter().enumerate() {
        let Some(g) = groups.iter_mut().find(|g| g.id == p.anchor) else {
            continue;
        };
        g.prompts.push(PromptLine {
            n,
            day: day_words(t, &p.anchor, p.day),
            time: p.time.clone(),
            title: p.texts.for_lang(t).to_owned(),
            kind: PromptKind::parse(&p.kind)
                .map(|k| labels::prompt_kind(t, k))
                .unwrap_or(""),
            important: p.important,
            for_whom: p.conditions != Default::default(),
        });
    }
    for g in &mut groups {
        g.prompts.sort_by_key(|p| {
            let d = &v.document.prompts[p.n];
            (d.day, d.time.clone())
        });
    }
    groups.retain(|g| !g.prompts.is_empty());
    let tz = &user.clinic_tz;
    let s = &v.summary;
    let page = VersionPage {
        t,
        nav: Nav::of(&user),
        title: version_name(t, s.version),
        csrf: user.csrf.clone(),
        id: s.id.to_string(),
        status: status_word(t, s.status),
        is_draft: s.status == ProtocolStatus::Draft,
        is_admin: user.is_admin(),
        based_on: based_on_words(t, &s.based_on, &all),
        published: s
            .published_at
            .map(|at| {
                t.fmt(
                    "proto_published_by",
                    &[
                        ("when", local(at, tz).into()),
                        (
                            "who",
                            s.published_by_name.clone().unwrap_or_default().into(),
                        ),
                    ],
                )
            })
            .unwrap_or_default(),
        updated: local(s.updated_at, tz),
        notice,
        count: v.document.prompts.len(),
        groups,
        history: history
            .iter()
            .map(|e| {
                t.fmt(
                    &format!("proto_edit_{}", e.action.as_str()),
                    &[
                        ("when", local(e.at, tz).into()),
                        ("who", e.actor_name.clone().unwrap_or_default().into()),
                    ],
                )
            })
            .collect(),
    };
    page::ok(&page)
}

/// A prompt's title in the staff member's language.
trait ForLang {
    fn for_lang(&self, t: &Strings) -> &str;
}

impl ForLang for shared::protocol::document::TextsDocument {
    fn for_lang(&self, t: &Strings) -> &str {
        match t.lang {
            crate::console::strings::Lang::Es => &self.es.title,
            crate::console::strings::Lang::En => &self.en.title,
        }
    }
}
