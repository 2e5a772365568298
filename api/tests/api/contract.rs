//! The served OpenAPI document must describe the contract's surface (`docs/CONTRACT.md`, the
//! repository's copy): every documented operation is in the contract, and every contract
//! operation is served, except those listed in `NOT_YET_SERVED` (work still to come; the list can
//! only shrink: a listed route that appears in the document fails this test until it is removed
//! from the list). When the product owner's copy exists beside the repository
//! (`../shared/CONTRACT.md`), every operation it names must also be in the repository's copy, so
//! an addition there shows up here as a route to copy in and build.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::TestApp;

/// The "v1 additions" routes of `docs/CONTRACT.md` that no issue has built yet.
const NOT_YET_SERVED: &[&str] = &[];

/// The Swagger UI and the document itself are served but not described in the document, nor
/// are the SMS provider's form-encoded callbacks (no client of the API calls them; like
/// `/app/`, docs/CONTRACT.md says so).
const UNDOCUMENTED: &[&str] = &[
    "GET /openapi.json",
    "GET /docs",
    "POST /v1/webhooks/sms/inbound",
    "POST /v1/webhooks/sms/status",
];

/// The repository's copy of the contract, the one the server is held to.
const CONTRACT: &str = include_str!("../../../docs/CONTRACT.md");

/// The product owner's copy beside the repository, when this checkout has one.
fn owners_contract() -> Option<String> {
    let owners = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/CONTRACT.md");
    std::fs::read_to_string(owners).ok()
}

/// `METHOD /path` for every operation the contract names (tables and the Ops line).
fn contract_operations(text: &str) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | '`' | '·' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        let (method, path) = (pair[0], pair[1]);
        if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) && path.starts_with('/') {
            ops.insert(format!("{method} {path}"));
        }
    }
    ops
}

fn document_operations(doc: &Value) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

#[tokio::test]
async fn openapi_document_matches_the_contract() {
    let contract = contract_operations(CONTRACT);
    assert!(
        contract.len() > 30,
        "parsed too few operations: {contract:?}"
    );
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let served = document_operations(&doc);

    let extra: Vec<_> = served.difference(&contract).collect();
    assert!(
        extra.is_empty(),
        "documented but not in docs/CONTRACT.md: {extra:?}"
    );
    for op in NOT_YET_SERVED {
        assert!(contract.contains(*op), "{op} is not a contract operation");
        assert!(
            !served.contains(*op),
            "{op} is served now: remove it from NOT_YET_SERVED"
        );
    }
    let missing: Vec<_> = contract
        .iter()
        .filter(|op| !served.contains(*op))
        .filter(|op| !NOT_YET_SERVED.contains(&op.as_str()) && !UNDOCUMENTED.contains(&op.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "contract operations neither served nor listed as pending: {missing:?}"
    );
}

#[test]
fn the_repository_copy_holds_every_operation_of_the_owners_contract() {
    let Some(owners) = owners_contract() else {
        // CI always has the owner's folder beside the clone: missing there, it is a fault.
        assert!(
            std::env::var("CI").is_err(),
            "../shared/CONTRACT.md is missing beside the repository in CI"
        );
        eprintln!("note: no ../shared/CONTRACT.md beside the repository; nothing to compare");
        return;
    };
    let ours = contract_operations(CONTRACT);
    let theirs = contract_operations(&owners);
    assert!(theirs.len() > 30, "parsed too few operations: {theirs:?}");
    let missing: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "operations in ../shared/CONTRACT.md missing from docs/CONTRACT.md (copy them in and list \
         them in NOT_YET_SERVED until built): {missing:?}"
    );
}
