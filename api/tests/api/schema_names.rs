//! Every OpenAPI schema name stands for one wire type. utoipa keys components by the type's
//! name, so two types of the same name would silently describe only one of them: this test
//! fails instead, both on the document's fragments and on the source of every `ToSchema` type.

use std::collections::BTreeMap;
use std::path::Path;

use utoipa::OpenApi;

/// `(schema name, where)` for every type deriving `ToSchema` under `dir`.
fn schema_types(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            schema_types(&path, out);
            continue;
        }
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut derives_schema = false;
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("#[derive(") && t.contains("ToSchema") {
                derives_schema = true;
            } else if derives_schema && (t.starts_with("pub struct ") || t.starts_with("pub enum "))
            {
                let name = t
                    .split_whitespace()
                    .nth(2)
                    .unwrap()
                    .trim_end_matches(['{', '(', ';', '<'])
                    .to_owned();
                out.push((name, path.display().to_string()));
                derives_schema = false;
            } else if !t.starts_with("#[") && !t.starts_with("///") {
                derives_schema = false;
            }
        }
    }
}

#[test]
fn no_two_wire_types_share_a_name() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    schema_types(&here.join("src"), &mut found);
    schema_types(&here.join("../shared/src"), &mut found);
    assert!(
        found.len() > 30,
        "the scan found too few schema types: {found:?}"
    );
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, place) in found {
        if let Some(first) = seen.insert(name.clone(), place.clone()) {
            panic!("two schema types are named {name}: {first} and {place}");
        }
    }
}

#[test]
fn fragments_agree_on_every_shared_schema() {
    use api::routes::{auth, clinic, patient};
    let fragments = [
        ("api", api::openapi::ApiDoc::openapi()),
        ("auth", auth::Doc::openapi()),
        ("clinic::patients", clinic::patients::Doc::openapi()),
        ("clinic::staff", clinic::staff::Doc::openapi()),
        ("clinic::treatments", clinic::treatments::Doc::openapi()),
        ("patient::me", patient::me::Doc::openapi()),
        ("patient::devices", patient::devices::Doc::openapi()),
        ("patient::prompts", patient::prompts::Doc::openapi()),
        ("patient::check_ins", patient::check_ins::Doc::openapi()),
        ("patient::rights", patient::rights::Doc::openapi()),
        ("clinic::escalations", clinic::escalations::Doc::openapi()),
    ];
    let mut seen: BTreeMap<String, (&str, serde_json::Value)> = BTreeMap::new();
    for (fragment, doc) in fragments {
        let schemas = doc.components.map(|c| c.schemas).unwrap_or_default();
        for (name, schema) in schemas {
            let json = serde_json::to_value(&schema).unwrap();
            match seen.get(&name) {
                Some((first, other)) => assert_eq!(
                    other, &json,
                    "schema {name} differs between {first} and {fragment}"
                ),
                None => {
                    seen.insert(name, (fragment, json));
                }
            }
        }
    }
}
