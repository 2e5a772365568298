//! The served `/openapi.json` is a contract a generated client can use (issue 26): every time
//! has its `format`, every closed set of codes is an `enum`, every response says what it is, and
//! no description points at a file a reader of the repository cannot open.
//!
//! Closed sets are derived from the Rust enums themselves (each variant serialised), two ways:
//! by the field names that carry them anywhere in the document, and by real responses: every
//! string a seeded server answers with that is one enum's code must sit where the document
//! declares an `enum` holding it.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};
use shared::care::delivery_log::DeliveryStepStatus;
use shared::db::Backend;
use shared::domain::{
    ApnsEnvironment, Area, AuditAction, ClinicAlertStatus, CombinedWith, ConsentSource,
    Contraindication, DeliveryChannel, DeliveryOutcome, Device, EscalationStatus,
    InvitationPurpose, Locale, LockScreenPreview, Platform, PromptKind, PromptStatus,
    ProtocolStatus, PushProvider, Role, Severity, SmsKeyword, Symptom, TriageReason, UserStatus,
};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::treatments::treatment_body;

type Codes = BTreeSet<String>;

fn codes<T: Serialize>(all: &[T]) -> Codes {
    all.iter()
        .map(|v| match serde_json::to_value(v).unwrap() {
            Value::String(s) => s,
            other => panic!("{other} is not a string code"),
        })
        .collect()
}

fn literal(list: &[&str]) -> Codes {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Every closed set of the wire: the shared enums, each variant as serde writes it.
fn rust_enums() -> Vec<(&'static str, Codes)> {
    vec![
        ("Platform", codes(Platform::ALL)),
        ("PushProvider", codes(PushProvider::ALL)),
        ("ApnsEnvironment", codes(ApnsEnvironment::ALL)),
        ("PromptKind", codes(PromptKind::ALL)),
        ("PromptStatus", codes(PromptStatus::ALL)),
        ("DeliveryChannel", codes(DeliveryChannel::ALL)),
        ("DeliveryOutcome", codes(DeliveryOutcome::ALL)),
        ("Severity", codes(Severity::ALL)),
        ("Symptom", codes(Symptom::ALL)),
        ("TriageReason", codes(TriageReason::ALL)),
        ("EscalationStatus", codes(EscalationStatus::ALL)),
        ("ClinicAlertStatus", codes(ClinicAlertStatus::ALL)),
        ("Role", codes(Role::ALL)),
        ("UserStatus", codes(UserStatus::ALL)),
        ("InvitationPurpose", codes(InvitationPurpose::ALL)),
        ("AuditAction", codes(AuditAction::ALL)),
        ("Locale", codes(Locale::ALL)),
        ("LockScreenPreview", codes(LockScreenPreview::ALL)),
        ("Area", codes(Area::ALL)),
        ("Device", codes(Device::ALL)),
        ("CombinedWith", codes(CombinedWith::ALL)),
        ("Contraindication", codes(Contraindication::ALL)),
        ("DeliveryStepStatus", codes(DeliveryStepStatus::ALL)),
        ("SmsKeyword", codes(SmsKeyword::ALL)),
        ("ConsentSource", codes(ConsentSource::ALL)),
        ("ProtocolStatus", codes(ProtocolStatus::ALL)),
    ]
}

fn rust_enum(name: &str) -> Codes {
    rust_enums()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no enum {name}"))
        .1
}

/// Field names that always carry a closed set, with the sets their `enum` may be drawn from
/// (a view may narrow one: a prompt's public status has no `sending`).
fn closed_fields() -> Vec<(&'static str, Vec<Codes>)> {
    let e = rust_enum;
    let mut patient_status = e("UserStatus");
    patient_status.insert("discharged".into());
    vec![
        ("platform", vec![e("Platform")]),
        ("provider", vec![e("PushProvider")]),
        ("apns_environment", vec![e("ApnsEnvironment")]),
        ("kind", vec![e("PromptKind")]),
        (
            "status",
            vec![
                patient_status,
                e("EscalationStatus"),
                e("PromptStatus"),
                e("ClinicAlertStatus"),
                e("DeliveryStepStatus"),
                e("ProtocolStatus"),
                literal(&["ok", "unavailable"]),
            ],
        ),
        ("severity", vec![e("Severity")]),
        ("channel", vec![e("DeliveryChannel")]),
        ("outcome", vec![e("DeliveryOutcome")]),
        ("role", vec![e("Role")]),
        ("symptoms", vec![e("Symptom")]),
        ("rule", vec![e("TriageReason")]),
        ("action", vec![e("AuditAction")]),
        ("purpose", vec![e("InvitationPurpose")]),
        ("locale", vec![e("Locale")]),
        ("lock_screen_preview", vec![e("LockScreenPreview")]),
        ("areas", vec![e("Area")]),
        ("device", vec![e("Device")]),
        ("combined_with", vec![e("CombinedWith")]),
        ("contraindications", vec![e("Contraindication")]),
        (
            "changed",
            vec![literal(&[
                "email",
                "phone",
                "given_name",
                "family_name",
                "sms_consent",
            ])],
        ),
        ("keyword", vec![e("SmsKeyword")]),
        ("source", vec![e("ConsentSource")]),
        ("token_type", vec![literal(&["Bearer"])]),
    ]
}

/// Strings that look like codes but are open on purpose: `reason` keeps the stored triage code
/// for clients of the first version, including codes this version does not know (`rule` is the
/// closed set); `key` names a protocol prompt, which a clinic's protocol may add. `facts` and a
/// triage rule's `id` are identifiers the protocol files define (`shared/protocol/v1/facts.toml`,
/// `triage.toml`), not codes of the wire, though a fact may share its name with one (a resource's
/// `id`, the other use of the name, is a UUID and never a code).
const OPEN_FIELDS: &[&str] = &["reason", "key", "facts", "id"];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The members of a schema a value may match: itself, or its `oneOf`/`anyOf`/`allOf` members.
fn members<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let s = resolve(doc, schema);
    let mut out = vec![s];
    for key in ["oneOf", "anyOf", "allOf"] {
        for m in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            out.extend(members(doc, m));
        }
    }
    out
}

/// The `enum` values a (possibly nullable, possibly array) schema allows; `None` without one.
fn enum_of(doc: &Value, schema: &Value) -> Option<Codes> {
    let mut found: Option<Codes> = None;
    for m in members(doc, schema) {
        let values = m
            .get("enum")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .or_else(|| m.get("items").and_then(|i| enum_of(doc, i)));
        if let Some(v) = values {
            found.get_or_insert_with(BTreeSet::new).extend(v);
        }
    }
    found
}

fn formats(doc: &Value, schema: &Value) -> BTreeSet<String> {
    members(doc, schema)
        .into_iter()
        .filter_map(|m| m.get("format").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// `(where, name, schema)` of every property and parameter anywhere in the document.
fn fields<'a>(v: &'a Value, at: &str, out: &mut Vec<(String, String, &'a Value)>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                for (name, schema) in props {
                    out.push((at.to_owned(), name.clone(), schema));
                }
            }
            if let (Some(Value::String(name)), Some(schema)) = (map.get("name"), map.get("schema"))
            {
                out.push((at.to_owned(), name.clone(), schema));
            }
            for (k, child) in map {
                fields(child, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                fields(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

async fn served(app: &TestApp) -> Value {
    app.get("/openapi.json", None).await.json().await.unwrap()
}

#[tokio::test]
async fn times_carry_their_format_and_closed_sets_are_enums() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc = served(&app).await;
    let mut all = Vec::new();
    fields(&doc, "", &mut all);
    assert!(all.len() > 100, "found too few fields: {}", all.len());
    let closed = closed_fields();
    let mut faults = Vec::new();
    for (at, name, schema) in &all {
        let is_time = name == "at" || name.ends_with("_at");
        let is_date = name == "date" || name.ends_with("_date");
        let f = formats(&doc, schema);
        if is_time && !f.contains("date-time") {
            faults.push(format!("{at}: `{name}` lacks format: date-time"));
        }
        if is_date && !f.contains("date") {
            faults.push(format!("{at}: `{name}` lacks format: date"));
        }
        let is_number = members(&doc, schema)
            .iter()
            .any(|m| m["type"] == "integer" || m["type"] == "number");
        if let Some((_, sets)) = closed.iter().find(|(n, _)| n == name && !is_number) {
            match enum_of(&doc, schema) {
                None => faults.push(format!("{at}: `{name}` is a closed set without `enum`")),
                Some(values) if !sets.iter().any(|s| values.is_subset(s)) => faults.push(format!(
                    "{at}: `{name}` allows {values:?}, codes no Rust enum has"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[tokio::test]
async fn every_response_has_a_description_citing_only_files_of_the_repository() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc = served(&app).await;
    let mut faults = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                let d = resp["description"].as_str().unwrap_or_default();
                if d.trim().is_empty() {
                    faults.push(format!("{method} {path} {status}: no description"));
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut texts = Vec::new();
    collect_texts(&doc, &mut texts);
    for text in texts {
        for word in text.split(|c: char| c.is_whitespace() || "`()[],;:\"'".contains(c)) {
            let word = word.trim_end_matches('.');
            let is_file = [".md", ".toml", ".rs", ".ftl", ".sql", ".yml", ".yaml"]
                .iter()
                .any(|ext| word.ends_with(ext));
            if is_file && (word.starts_with("..") || !root.join(word).exists()) {
                faults.push(format!(
                    "{word:?} is not a file of the repository: {text:?}"
                ));
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

fn collect_texts<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match (k.as_str(), child) {
                    ("description" | "summary", Value::String(s)) => out.push(s),
                    _ => collect_texts(child, out),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|c| collect_texts(c, out)),
        _ => {}
    }
}

/// Walks a response body beside its schema; every string that is one Rust enum's code must be
/// where the schema declares an `enum` holding it.
fn check_codes(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    known: &Codes,
    faults: &mut Vec<String>,
    seen: &mut usize,
) {
    let ms = members(doc, schema);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let prop = ms.iter().find_map(|m| m.get("properties")?.get(k));
                match prop {
                    Some(p) if !OPEN_FIELDS.contains(&k.as_str()) => {
                        check_codes(doc, p, v, &format!("{at}.{k}"), known, faults, seen)
                    }
                    Some(_) => {}
                    None => faults.push(format!("{at}.{k} is not in the document")),
                }
            }
        }
        Value::Array(list) => {
            if let Some(items) = ms.iter().find_map(|m| m.get("items")) {
                for (i, v) in list.iter().enumerate() {
                    check_codes(doc, items, v, &format!("{at}[{i}]"), known, faults, seen);
                }
            }
        }
        Value::String(s) if known.contains(s) => {
            *seen += 1;
            let declared = ms
                .iter()
                .filter_map(|m| m.get("enum").and_then(Value::as_array))
                .flatten()
                .any(|e| e == value);
            if !declared {
                faults.push(format!(
                    "{at} = {s:?}, a code, without an `enum` holding it"
                ));
            }
        }
        _ => {}
    }
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"]
}

both_backends! {
    async fn every_code_a_response_carries_is_declared_an_enum(app) {
        let doc = served(&app).await;
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let pid = patient.id.as_str().to_owned();
        let treated = app
            .post_json(&format!("/v1/clinic/patients/{pid}/treatments"), Some(&admin_token), &treatment_body(1))
            .await;
        assert_eq!(treated.status(), 201);
        let device = json!({"platform": "ios", "token": crate::helpers::apns_token("codes")});
        assert_eq!(app.post_json("/v1/me/devices", Some(&token), &device).await.status(), 201);
        let report = json!({"redness": 9, "swelling": 8, "pain": 9, "peeling": false, "symptoms": ["fever", "pus"]});
        assert_eq!(app.post_json("/v1/me/check-ins", Some(&token), &report).await.status(), 201);

        let draft = app
            .post_json("/v1/clinic/protocols", Some(&admin_token), &json!({"based_on": "default"}))
            .await;
        assert_eq!(draft.status(), 201);
        let draft: Value = draft.json().await.unwrap();
        let protocol_url = format!("/v1/clinic/protocols/{}", draft["id"].as_str().unwrap());
        let preview_url = format!("{protocol_url}/preview");
        let record_url = format!("/v1/clinic/patients/{pid}");
        let known: Codes = rust_enums().into_iter().flat_map(|(_, c)| c).collect();
        let reads = [
            ("/v1/me", "/v1/me", &token),
            ("/v1/me/timeline", "/v1/me/timeline", &token),
            ("/v1/me/devices", "/v1/me/devices", &token),
            ("/v1/me/check-ins", "/v1/me/check-ins", &token),
            ("/v1/me/export", "/v1/me/export", &token),
            ("/v1/clinic/patients", "/v1/clinic/patients", &admin_token),
            ("/v1/clinic/patients/{id}", record_url.as_str(), &admin_token),
            ("/v1/clinic/escalations", "/v1/clinic/escalations", &admin_token),
            ("/v1/clinic/audit", "/v1/clinic/audit", &admin_token),
            ("/v1/clinic/protocols", "/v1/clinic/protocols", &admin_token),
            ("/v1/clinic/protocols/{id}", protocol_url.as_str(), &admin_token),
            ("/v1/clinic/protocols/{id}/preview", preview_url.as_str(), &admin_token),
        ];
        let (mut faults, mut seen) = (Vec::new(), 0);
        for (documented, url, who) in reads {
            let resp = app.get(url, Some(who)).await;
            assert_eq!(resp.status(), 200, "{url}");
            let body: Value = resp.json().await.unwrap();
            let schema = response_schema(&doc, documented, "get", 200);
            assert!(!schema.is_null(), "{documented} has no 200 JSON schema");
            check_codes(&doc, schema, &body, documented, &known, &mut faults, &mut seen);
        }
        assert!(faults.is_empty(), "{}", faults.join("\n"));
        assert!(seen > 40, "only {seen} codes were checked");
    }
}
