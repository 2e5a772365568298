//! `PUT /v1/clinic/protocols/{id}`: a protocol document, read member by member so that every
//! entry of the wrong shape is named by its JSON path (`prompts[3]`, `prompts[3].texts`,
//! `triage.rules[1]`) in one 422, before the protocol's own validation
//! (`Protocol::with_document`) names the entries whose values it refuses.
//!
//! The body is the document `{prompts, triage}`. The read-only members a `GET` of the version
//! answers with (`id`, `version`, `status`, `based_on`, `created_at`, `updated_at`,
//! `published_at`, `published_by`, `published_by_name`) may be sent back and are ignored, so a
//! client can `PUT` what it got; any other member is refused by name.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use shared::protocol::document::{MAX_PROMPTS, PromptDocument, ProtocolDocument, TriageDocument};
use shared::{Error, FieldError};

/// The most a document body may weigh, in bytes: a protocol of 300 prompts with every text
/// at its longest, in both languages, fits with room to spare (the usual JSON bodies take
/// 64 KiB, `crate::extractors_config::JSON_LIMIT`).
pub const DOCUMENT_LIMIT: usize = 1024 * 1024;

/// The most triage rules a body may list before each is read (the default protocol has a
/// handful; validation names any it does not know).
const MAX_RULES: usize = 50;

/// The most entries one 422 names: a body of many bad entries is answered with the first ones.
const MAX_ERRORS: usize = 100;

/// Members of the version's `GET` answer a client may send back; ignored.
const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "status",
    "based_on",
    "created_at",
    "updated_at",
    "published_at",
    "published_by",
    "published_by_name",
];

/// The document a draft is replaced with: `prompts` and `triage` as `GET` answers them
/// (documented as `ProtocolDocument`; read here as any JSON value, then member by member).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct UpdateProtocol(pub Value);

impl UpdateProtocol {
    /// The document as it is kept ([`ProtocolDocument::normalised`]: texts trimmed, a body's
    /// `\r\n` and `\r` as `\n`), or a 422 naming every member of the wrong shape, every
    /// unknown member and every text holding a control character (line breaks and tabs are
    /// allowed in bodies).
    pub fn parse(self) -> Result<ProtocolDocument, Error> {
        let mut errors = Vec::new();
        let Value::Object(mut body) = self.0 else {
            return Err(Error::invalid(
                "body",
                "must be a JSON object: the protocol document {prompts, triage}",
            ));
        };
        for name in body.keys() {
            if name != "prompts" && name != "triage" && !READ_ONLY.contains(&name.as_str()) {
                errors.push(FieldError::new(
                    name.clone(),
                    "is not a member of the protocol document",
                ));
            }
        }
        let prompts = match body.remove("prompts") {
            None => {
                errors.push(FieldError::new("prompts", "is required"));
                None
            }
            Some(Value::Array(list)) if list.len() > MAX_PROMPTS => {
                errors.push(FieldError::new(
                    "prompts",
                    format!(
                        "has {} prompts; a protocol has at most {MAX_PROMPTS}",
                        list.len()
                    ),
                ));
                None
            }
            Some(Value::Array(list)) => {
                let mut prompts = Vec::with_capacity(list.len());
                for (i, item) in list.into_iter().enumerate() {
                    let at = format!("prompts[{i}]");
                    controls(&item, &at, &mut errors);
                    if let Some(p) = member::<PromptDocument>(item, &at, &mut errors) {
                        prompts.push(p);
                    }
                }
                Some(prompts)
            }
            Some(_) => {
                errors.push(FieldError::new("prompts", "must be a list of prompts"));
                None
            }
        };
        let triage = match body.remove("triage") {
            None => {
                errors.push(FieldError::new("triage", "is required"));
                None
            }
            Some(Value::Object(mut triage)) => triage_rules(&mut triage, &mut errors),
            Some(_) => {
                errors.push(FieldError::new("triage", "must be an object {rules}"));
                None
            }
        };
        match (prompts, triage) {
            (Some(prompts), Some(triage)) if errors.is_empty() => {
                Ok(ProtocolDocument { prompts, triage }.normalised())
            }
            _ => {
                errors.truncate(MAX_ERRORS);
                Err(Error::Validation(errors))
            }
        }
    }
}

fn triage_rules(
    triage: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<TriageDocument> {
    for name in triage.keys().filter(|n| *n != "rules") {
        errors.push(FieldError::new(
            format!("triage.{name}"),
            "is not a member of the triage",
        ));
    }
    match triage.remove("rules") {
        None => {
            errors.push(FieldError::new("triage.rules", "is required"));
            None
        }
        Some(Value::Array(list)) if list.len() > MAX_RULES => {
            errors.push(FieldError::new(
                "triage.rules",
                format!(
                    "has {} rules; the default protocol's rules are far fewer",
                    list.len()
                ),
            ));
            None
        }
        Some(Value::Array(list)) => {
            let mut rules = Vec::with_capacity(list.len());
            for (i, item) in list.into_iter().enumerate() {
                let at = format!("triage.rules[{i}]");
                controls(&item, &at, errors);
                if let Some(r) = member(item, &at, errors) {
                    rules.push(r);
                }
            }
            Some(TriageDocument { rules })
        }
        Some(_) => {
            errors.push(FieldError::new("triage.rules", "must be a list of rules"));
            None
        }
    }
}

/// One entry read as `T`; its shape error named `at` (or `at.member` for a missing or unknown
/// member, which serde names).
fn member<T: DeserializeOwned>(item: Value, at: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    match serde_json::from_value::<T>(item) {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = e.to_string();
            let named = ["missing field `", "unknown field `"]
                .iter()
                .find_map(|m| msg.split(m).nth(1))
                .and_then(|rest| rest.split('`').next())
                .map(|name| format!("{at}.{name}"));
            errors.push(FieldError::new(
                named.unwrap_or_else(|| at.to_owned()),
                clean(&msg),
            ));
            None
        }
    }
}

/// Refuses control characters in every text of `v` (crate::validate::no_controls): they break
/// push payloads, SMS and log lines downstream. A prompt's `body` may hold line breaks and
/// tabs.
fn controls(v: &Value, at: &str, errors: &mut Vec<FieldError>) {
    match v {
        Value::String(s) => {
            let multiline = at.ends_with(".body");
            if let Err(m) = crate::validate::no_controls(s, multiline) {
                errors.push(FieldError::new(at, m));
            }
        }
        Value::Array(list) => {
            for (i, item) in list.iter().enumerate() {
                controls(item, &format!("{at}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            for (name, item) in map {
                controls(item, &format!("{at}.{name}"), errors);
            }
        }
        _ => {}
    }
}

/// serde's message without its position suffix, and at most a line long.
fn clean(msg: &str) -> String {
    let msg = msg.rfind(" at line ").map_or(msg, |i| &msg[..i]);
    msg.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Vec<String> {
        match UpdateProtocol(body).parse() {
            Err(Error::Validation(e)) => e.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_every_bad_entry_by_its_path() {
        let body = json!({
            "id": "ignored", "version": 3, "colour": "red",
            "prompts": [{"key": "a"}, 7],
            "triage": {"rules": [{"id": "x", "severity": "urgent", "when": {}, "extra": 1}], "more": 1},
        });
        let f = fields(body);
        assert!(f.contains(&"colour".to_owned()), "{f:?}");
        assert!(f.iter().any(|x| x.starts_with("prompts[0].")), "{f:?}");
        assert!(f.contains(&"prompts[1]".to_owned()), "{f:?}");
        assert!(f.contains(&"triage.rules[0].extra".to_owned()), "{f:?}");
        assert!(f.contains(&"triage.more".to_owned()), "{f:?}");
        assert!(!f.iter().any(|x| x == "id" || x == "version"), "{f:?}");
        assert_eq!(fields(json!([])), ["body"]);
        assert_eq!(fields(json!({})), ["prompts", "triage"]);
        let nul = json!({"prompts": [{"key": "a\u{0}b"}], "triage": {"rules": []}});
        assert!(fields(nul).contains(&"prompts[0].key".to_owned()));
        let many = json!({"prompts": vec![0; 100_000], "triage": {"rules": vec![0; 1000]}});
        assert_eq!(fields(many), ["prompts", "triage.rules"]);
        let bad = json!({"prompts": vec![0; 300], "triage": {"rules": []}});
        assert_eq!(fields(bad).len(), MAX_ERRORS);
    }
}
