//! Lost updates on a draft. Every form that changes a draft carries the revision it was drawn
//! from (`revision`: the draft's `updated_at`) and, for one prompt, that prompt's key as stored
//! (`prompt_key`: positions shift when a prompt is removed, and the key field itself can be
//! edited). A form whose draft changed since is not applied: staff see the 409 page saying so,
//! with a link to the current version and what they typed, so nothing of either save is lost.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::NaiveDateTime;
use shared::care::protocols::Versioned;
use shared::protocol::document::PromptDocument;

use super::version::day_words;
use super::version_name;
use crate::console::page::{self, ConsoleError, Nav};
use crate::console::session::{ConsoleUser, Fields};
use crate::console::strings::{Lang, Strings};

/// The revision field's text for a version: its `updated_at` to the nanosecond
/// (`2026-12-07T22:42:38.123456`), read back exactly by [`posted_revision`].
pub fn revision_of(v: &Versioned) -> String {
    v.summary
        .updated_at
        .format("%Y-%m-%dT%H:%M:%S%.f")
        .to_string()
}

/// The posted `revision`; `None` when missing or not a time (the form's draft cannot be known).
pub fn posted_revision(form: &Fields) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(form.get("revision")?.trim(), "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// The position of the prompt the form names by `prompt_key`, in `v`; the 404 page when the
/// draft has no such prompt (removed since, or never there).
pub fn position_of_key(form: &Fields, v: &Versioned) -> Result<usize, ConsoleError> {
    let key = form.get("prompt_key").unwrap_or_default();
    v.document
        .prompts
        .iter()
        .position(|p| p.key == key)
        .ok_or_else(ConsoleError::not_found)
}

/// A prompt in one line: "Day 1 · 09:00 · Cold compress".
pub fn prompt_what(t: &Strings, p: &PromptDocument) -> String {
    let title = match t.lang {
        Lang::Es => &p.texts.es.title,
        Lang::En => &p.texts.en.title,
    };
    format!("{} · {} · {title}", day_words(t, &p.anchor, p.day), p.time)
}

/// The current prompt linked from the page.
pub struct Current {
    pub n: usize,
    pub what: String,
}

#[derive(Template)]
#[template(path = "console/protocols_conflict.html")]
struct ConflictPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    id: String,
    version: String,
    /// The prompt the form was about, where it is now (`None`: gone, or a new prompt).
    current: Option<Current>,
    /// The texts the form carried (label, value), so they can be copied into the current
    /// version; empty for a removal.
    typed: Vec<(String, String)>,
}

/// The 409 page: `current` (the draft as it is now) changed since the form was drawn; the
/// prompt the form named by `key`, when still there, is linked.
pub fn conflict_page(
    user: &ConsoleUser,
    current: &Versioned,
    key: Option<&str>,
    typed: Vec<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let prompt = key.and_then(|k| {
        current
            .document
            .prompts
            .iter()
            .position(|p| p.key == k)
            .map(|n| Current {
                n,
                what: prompt_what(t, &current.document.prompts[n]),
            })
    });
    let page = ConflictPage {
        t,
        nav: Nav::of(user),
        title: t.proto_conflict_title.to_owned(),
        id: current.summary.id.to_string(),
        version: version_name(t, current.summary.version),
        current: prompt,
        typed: typed.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
    };
    page::html(StatusCode::CONFLICT, &page)
}
