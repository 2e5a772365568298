//! The check-in triage thresholds of a draft (`/console/protocols/{id}/triage`): each rule of
//! the default with the thresholds it has, as number inputs showing the range the document's
//! validation allows (shared/src/protocol/document: a warning-sign rule, `urgent`, may only be
//! widened — each minimum at most the default's, each maximum at least it —; a routine rule's
//! bounds stay within 2 of the default's, inside 0–10 for scores and 0–30 for days). A routine
//! rule may be made urgent, never the reverse; warning-sign symptoms may be added, not removed.
//! Inputs are named by their JSON path (`triage.rules[1].when.redness_min`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::care;
use shared::care::protocols::Versioned;
use shared::domain::{ProtocolId, Symptom};
use shared::protocol::document::{CheckInWhenDocument, TriageRuleDocument};
use shared::time::now;
use shared::{Error, FieldError};

use super::errors::{SummaryLine, input_id, split};
use super::prompt_form::Choice;
use super::{load, load_draft, version_name};
use crate::console::clinical;
use crate::console::page::{self, ConsoleError, FieldErrors, Nav, see_other};
use crate::console::session::{ConsoleUser, Fields, SessionForm};
use crate::console::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

/// The thresholds a rule may have: (field, is a day).
const BOUNDS: [(&str, bool); 8] = [
    ("day_min", true),
    ("day_max", true),
    ("redness_min", false),
    ("redness_max", false),
    ("swelling_min", false),
    ("swelling_max", false),
    ("pain_min", false),
    ("pain_max", false),
];

fn slot<'a>(w: &'a mut CheckInWhenDocument, field: &str) -> Option<&'a mut Option<i32>> {
    Some(match field {
        "day_min" => &mut w.day_min,
        "day_max" => &mut w.day_max,
        "redness_min" => &mut w.redness_min,
        "redness_max" => &mut w.redness_max,
        "swelling_min" => &mut w.swelling_min,
        "swelling_max" => &mut w.swelling_max,
        "pain_min" => &mut w.pain_min,
        "pain_max" => &mut w.pain_max,
        _ => return None,
    })
}

fn value(w: &CheckInWhenDocument, field: &str) -> Option<i32> {
    let mut w = w.clone();
    slot(&mut w, field).and_then(|v| *v)
}

/// The range a threshold may take, given the default's value and whether the default rule is
/// urgent.
pub fn allowed(field: &str, is_day: bool, default: i32, urgent: bool) -> (i32, i32) {
    let top = if is_day { 30 } else { 10 };
    if urgent {
        if field.ends_with("_min") {
            (0, default)
        } else {
            (default, top)
        }
    } else {
        ((default - 2).max(0), (default + 2).min(top))
    }
}

pub struct Threshold {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    pub hint: String,
}

pub struct RuleForm {
    pub heading: String,
    pub severity_name: String,
    pub severity_id: String,
    /// Routine by default: may be made urgent.
    pub can_raise: bool,
    pub urgent: bool,
    pub thresholds: Vec<Threshold>,
    pub symptoms_name: String,
    pub symptoms: Option<Vec<Choice>>,
}

#[derive(Template)]
#[template(path = "console/protocols_triage.html")]
struct TriagePage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    version: String,
    editable: bool,
    rules: Vec<RuleForm>,
    errors: FieldErrors,
    summary: Vec<SummaryLine>,
}

fn label_of(t: &Strings, field: &str) -> Option<&'static str> {
    Some(match field {
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
    })
}

pub fn rule_name(t: &Strings, id: &str) -> String {
    match id {
        "warning_sign" => t.proto_rule_warning_sign,
        "redness_not_fading" => t.proto_rule_redness_not_fading,
        "redness_rising" => t.proto_rule_redness_rising,
        "strong_pain" => t.proto_rule_strong_pain,
        other => return other.to_owned(),
    }
    .to_owned()
}

/// The page for `rules` (as stored, or as typed when `form` was posted).
fn triage_page(
    state: &AppState,
    user: &ConsoleUser,
    v: &Versioned,
    form: Option<&Fields>,
    errors: FieldErrors,
    summary: Vec<SummaryLine>,
) -> TriagePage {
    let t = page::texts();
    let defaults = state.protocols.default_protocol().document().triage.rules;
    let rules = v
        .document
        .triage
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let base = defaults.iter().find(|d| d.id == r.id);
            let was_urgent = base.is_none_or(|d| d.severity == "urgent");
            let path = |f: &str| format!("triage.rules[{i}].{f}");
            let typed = |name: &str, stored: String| match form {
                Some(f) => super::errors::printable(f.raw(name).trim()),
                None => stored,
            };
            let thresholds = BOUNDS
                .iter()
                .filter_map(|(f, is_day)| {
                    let current = value(&r.when, f)?;
                    let name = path(&format!("when.{f}"));
                    let default = base.and_then(|d| value(&d.when, f)).unwrap_or(current);
                    let (lo, hi) = allowed(f, *is_day, default, was_urgent);
                    Some(Threshold {
                        id: input_id(&name),
                        label: label_of(t, f).unwrap_or_default().to_owned(),
                        value: typed(&name, current.to_string()),
                        hint: t.fmt(
                            "proto_t_range",
                            &[
                                ("low", lo.into()),
                                ("high", hi.into()),
                                ("default", default.into()),
                            ],
                        ),
                        name,
                    })
                })
                .collect();
            let symptoms_name = path("when.symptoms_any");
            let picked: Vec<String> = match form {
                Some(f) => f.all(&symptoms_name),
                None => r.when.symptoms_any.clone().unwrap_or_default(),
            };
            let severity_name = path("severity");
            let urgent = match form {
                Some(f) if !was_urgent => f.get(&severity_name) == Some("urgent"),
                _ => r.severity == "urgent",
            };
            RuleForm {
                heading: rule_name(t, &r.id),
                severity_id: input_id(&severity_name),
                severity_name,
                can_raise: !was_urgent,
                urgent,
                thresholds,
                symptoms: r.when.symptoms_any.as_ref().map(|_| {
                    Symptom::ALL
                        .iter()
                        .map(|s| Choice {
                            code: s.as_str().into(),
                            label: clinical::symptom(t, *s).into(),
                            picked: picked.iter().any(|p| p == s.as_str()),
                        })
                        .collect()
                }),
                symptoms_name,
            }
        })
        .collect();
    TriagePage {
        t,
        nav: Nav::of(user),
        title: t.proto_triage_title.to_owned(),
        csrf: user.csrf.clone(),
        id: v.summary.id.to_string(),
        version: version_name(t, v.summary.version),
        editable: v.summary.status == shared::domain::ProtocolStatus::Draft,
        rules,
        errors,
        summary,
    }
}

/// `GET /console/protocols/{id}/triage`.
pub async fn form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let id = ProtocolId::from(id.into_inner());
    let v = load(&state, &user, &id).await?;
    page::ok(&triage_page(
        &state,
        &user,
        &v,
        None,
        FieldErrors::default(),
        vec![],
    ))
}

/// The rules as posted: each threshold the rule has, its severity (raised or not) and its
/// symptoms; the rest of each rule as stored.
fn posted(
    t: &Strings,
    rules: &[TriageRuleDocument],
    f: &Fields,
) -> (Vec<TriageRuleDocument>, Vec<FieldError>) {
    let mut bad = Vec::new();
    let rules = rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            for (field, _) in BOUNDS {
                let name = format!("triage.rules[{i}].when.{field}");
                if let Some(s) = slot(&mut r.when, field).filter(|s| s.is_some()) {
                    match f.get(&name).and_then(|v| v.parse::<i32>().ok()) {
                        Some(v) => *s = Some(v),
                        None => bad.push(FieldError::new(name, t.proto_err_whole_number)),
                    }
                }
            }
            if r.severity == "routine"
                && f.get(&format!("triage.rules[{i}].severity")) == Some("urgent")
            {
                r.severity = "urgent".into();
            }
            if r.when.symptoms_any.is_some() {
                r.when.symptoms_any = Some(f.all(&format!("triage.rules[{i}].when.symptoms_any")));
            }
            r
        })
        .collect();
    (rules, bad)
}

/// `POST /console/protocols/{id}/triage`: saves the draft with these thresholds.
pub async fn save(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    let (rules, mut found) = posted(t, &v.document.triage.rules, &form);
    if found.is_empty() {
        let mut doc = v.document.clone();
        doc.triage.rules = rules;
        match care::protocols::update(
            &state.db,
            &state.protocols,
            &user.actor(),
            &id,
            doc,
            None,
            now(),
        )
        .await
        {
            Ok(_) => return Ok(see_other(&format!("/console/protocols/{id}?saved=1"))),
            Err(Error::Validation(f)) => found = f,
            Err(e) => return Err(ConsoleError(e)),
        }
    }
    let labels = |field: &str| -> Option<String> {
        let (rule, rest) = field.strip_prefix("triage.rules[")?.split_once("].")?;
        let name = v
            .document
            .triage
            .rules
            .get(rule.parse::<usize>().ok()?)
            .map(|r| rule_name(t, &r.id))?;
        let what = match rest {
            "severity" => t.proto_t_severity,
            other => label_of(t, other.strip_prefix("when.")?)?,
        };
        Some(format!("{name} — {what}"))
    };
    let (errors, summary) = split(found, "", labels);
    let page = triage_page(&state, &user, &v, Some(&form), errors, summary);
    page::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
