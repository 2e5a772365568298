//! Two versions side by side (`GET /console/protocols/compare?before=<id|default>&after=<id>`):
//! every prompt added, removed or changed, and every triage rule changed, with each field's
//! value before and after (`shared::protocol::diff` through `care::protocols::compare`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care;
use shared::domain::ProtocolId;
use shared::protocol::{Change, ChangeKind};

use super::version::based_on_words;
use super::version_name;
use crate::console::page::{self, ConsoleError, Nav, texts};
use crate::console::session::{ConsoleUser, Fields};
use crate::console::strings::Strings;
use crate::path_id::is_canonical_uuid;
use crate::state::AppState;

pub struct Pick {
    pub id: String,
    pub name: String,
    pub picked: bool,
}

pub struct FieldLine {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct ChangeCard {
    pub subject: String,
    pub kind: &'static str,
    pub css: &'static str,
    pub fields: Vec<FieldLine>,
}

#[derive(Template)]
#[template(path = "console/protocols_compare.html")]
struct ComparePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    befores: Vec<Pick>,
    afters: Vec<Pick>,
    /// `None` before two versions are picked.
    heading: Option<String>,
    changes: Vec<ChangeCard>,
}

/// A field of a prompt or rule in words, its path kept after it for precision.
fn field_words(t: &Strings, field: &str) -> String {
    let known = super::prompt_form::label(t, field).or_else(|| {
        let rest = field.strip_prefix("when.")?;
        Some(
            match rest {
                "day_min" => t.proto_t_day_min,
                "day_max" => t.proto_t_day_max,
                "redness_min" => t.proto_t_redness_min,
                "redness_max" => t.proto_t_redness_max,
                "swelling_min" => t.proto_t_swelling_min,
                "swelling_max" => t.proto_t_swelling_max,
                "pain_min" => t.proto_t_pain_min,
                "pain_max" => t.proto_t_pain_max,
                "symptoms_any" => t.proto_t_symptoms,
                _ => return None,
            }
            .to_owned(),
        )
    });
    known.unwrap_or_else(|| field.to_owned())
}

fn card(t: &Strings, c: Change) -> ChangeCard {
    let (kind, css) = match c.kind {
        ChangeKind::Added => (t.proto_change_added, "ok"),
        ChangeKind::Removed => (t.proto_change_removed, "alert"),
        ChangeKind::Changed => (t.proto_change_changed, "warn"),
    };
    let subject = match c.subject.strip_prefix("triage:") {
        Some(rule) => t.fmt(
            "proto_change_rule",
            &[("rule", super::triage::rule_name(t, rule).into())],
        ),
        None => t.fmt("proto_change_prompt", &[("key", c.subject.clone().into())]),
    };
    ChangeCard {
        subject,
        kind,
        css,
        fields: c
            .fields
            .into_iter()
            .map(|f| FieldLine {
                field: field_words(t, &f.field),
                before: f.before,
                after: f.after,
            })
            .collect(),
    }
}

/// `GET /console/protocols/compare`.
pub async fn compare(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let t = texts();
    let q = Fields::parse(req.query_string().as_bytes());
    let before = q.get("before").unwrap_or("default");
    let after = q.get("after").unwrap_or_default();
    // Anything but a version id (or the default) names nothing: the 404 page.
    if (before != "default" && !is_canonical_uuid(before))
        || (!after.is_empty() && !is_canonical_uuid(after))
    {
        return Err(ConsoleError::not_found());
    }
    let all = care::protocols::list(&state.db, &user.actor(), None, 100).await?;
    let mut befores = vec![Pick {
        id: "default".into(),
        name: t.proto_the_default.into(),
        picked: before == "default",
    }];
    let versions = all.iter().map(|s| Pick {
        id: s.id.to_string(),
        name: format!(
            "{} ({})",
            version_name(t, s.version),
            super::status_word(t, s.status)
        ),
        picked: false,
    });
    befores.extend(versions.clone().map(|mut o| {
        o.picked = o.id == before;
        o
    }));
    let afters = versions
        .map(|mut o| {
            o.picked = o.id == after;
            o
        })
        .collect();
    let (heading, changes) = if after.is_empty() {
        (None, Vec::new())
    } else {
        let after_id = ProtocolId::from(after);
        let before_id = (before != "default").then(|| ProtocolId::from(before));
        let changes = care::protocols::compare(
            &state.db,
            &state.protocols,
            &user.actor(),
            before_id.as_ref(),
            &after_id,
        )
        .await?;
        let name = |id: &str| {
            all.iter()
                .find(|s| s.id.as_str() == id)
                .map(|s| version_name(t, s.version))
                .unwrap_or_default()
        };
        let heading = t.fmt(
            "proto_compare_heading",
            &[
                ("before", based_on_words(t, before, &all).into()),
                ("after", name(after).into()),
            ],
        );
        (
            Some(heading),
            changes.into_iter().map(|c| card(t, c)).collect(),
        )
    };
    let page = ComparePage {
        t,
        nav: Nav::of(&user),
        title: t.proto_compare_title.to_owned(),
        befores,
        afters,
        heading,
        changes,
    };
    page::ok(&page)
}
