//! A client can be generated from the served document: every operation has a unique, meaningful
//! `operationId`, declares its security (bearer, or explicitly none), and declares every error
//! as `application/problem+json` with the `Problem` schema. The server is asked too: an
//! operation that answers 401 without a token must say it needs one.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// `(METHOD, path, operation)` for every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn is_bearer(op: &Value) -> bool {
    op["security"]
        .as_array()
        .is_some_and(|reqs| reqs.iter().any(|r| r.get("bearer").is_some()))
}

async fn served_document(app: &TestApp) -> Value {
    app.get("/openapi.json", None).await.json().await.unwrap()
}

#[tokio::test]
async fn every_operation_has_a_unique_operation_id_and_declared_security() {
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc = served_document(&app).await;
    let ops = operations(&doc);
    assert!(ops.len() > 20, "too few operations: {}", ops.len());
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (method, path, op) in &ops {
        let name = format!("{method} {path}");
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no operationId"));
        // utoipa's fallback is the handler's snake_case fn name; ours are lowerCamelCase verbs.
        assert!(
            id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric())
                && id.chars().any(|c| c.is_ascii_uppercase())
                || ["login", "logout"].contains(&id),
            "{name}: operationId {id:?} is not a lowerCamelCase verb phrase"
        );
        if let Some(other) = seen.insert(id.to_owned(), name.clone()) {
            panic!("operationId {id:?} used by both {other} and {name}");
        }
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} declares no security (use security(()) if public)"));
        let public = security
            .iter()
            .all(|r| r.as_object().is_some_and(|m| m.is_empty()));
        assert!(
            is_bearer(op) || public,
            "{name}: security {security:?} is neither bearer nor explicitly public"
        );
        let tag = op["tags"][0].as_str().unwrap_or_default();
        if ["clinic", "patient"].contains(&tag) {
            assert!(is_bearer(op), "{name} ({tag}) must require a bearer token");
        }
    }
}

#[tokio::test]
async fn every_error_response_is_a_problem_document() {
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc = served_document(&app).await;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            if path == "/readyz" && status == "503" {
                continue; // readiness answers with its own body either way
            }
            let content = response["content"].as_object();
            let schema = content.and_then(|c| c.get("application/problem+json"));
            assert_eq!(
                schema.map(|s| s["schema"]["$ref"].clone()),
                Some(json!("#/components/schemas/Problem")),
                "{method} {path} {status}: not declared as application/problem+json Problem"
            );
            assert_eq!(
                content.map(|c| c.len()),
                Some(1),
                "{method} {path} {status}: more than one media type"
            );
        }
        if is_bearer(&op) {
            assert!(
                responses.contains_key("401"),
                "{method} {path} needs a token but does not declare 401"
            );
        }
    }
}

/// Without a token, every bearer operation answers 401 with a problem document, and no public
/// operation does: the document's security matches what the server enforces.
#[tokio::test]
async fn declared_security_matches_what_the_server_enforces() {
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc = served_document(&app).await;
    for (method, path, op) in operations(&doc) {
        // Public operations are not called with a body of their own here: rate limits and
        // reset mails are exercised in auth.rs; "{}" is enough to see they do not ask for a token.
        let url = path.replace("{id}", "00000000000000000000000000");
        let resp = app
            .request(Method::from_bytes(method.as_bytes()).unwrap(), &url, None)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        if is_bearer(&op) {
            assert_eq!(status, 401, "{method} {path} without a token");
            let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
            assert_eq!(ctype, "application/problem+json", "{method} {path} 401");
        } else {
            assert_ne!(
                status, 401,
                "{method} {path} asks for a token but declares none"
            );
        }
    }
}

/// Code enums are documented by their wire codes (`"face"`), not their Rust variant names: a
/// client generated from the document sends and expects what the server does.
#[tokio::test]
async fn code_enums_are_documented_by_their_wire_codes() {
    use shared::domain::{Severity, Symptom, UserStatus};
    fn codes<T: std::fmt::Display>(all: &[T]) -> Value {
        all.iter().map(ToString::to_string).collect()
    }
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc = served_document(&app).await;
    for (name, expected) in [
        ("Severity", codes(Severity::ALL)),
        ("Symptom", codes(Symptom::ALL)),
        ("UserStatus", codes(UserStatus::ALL)),
    ] {
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(schema["enum"], expected, "{name}: {schema}");
    }
}
