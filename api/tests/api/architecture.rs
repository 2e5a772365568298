//! The workspace's layering, checked on the sources (like `schema_names`): data flows one way,
//! api / worker → `shared::care` → `shared::db` and `shared::protocol` → `shared::domain`.
//! - `api/src` and `worker/src` never name `shared::db`: every read and write goes through one
//!   `care` function that owns its transaction and audit entry.
//! - `shared/src/db` never imports `protocol`: care loads the planning inputs, protocol plans,
//!   db stores.
//! - Only the api binary's `main.rs` names the `worker` crate (it composes the embedded delivery
//!   loop); no route, view or page does.
//! - A production source file stays under [`MAX_LINES`] lines (tests and test support aside).
//!
//! Comment lines are not read: a docstring may mention any module.

use std::path::{Path, PathBuf};

/// The most lines a production source file may have.
const MAX_LINES: usize = 400;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, recursively, as (path relative to the workspace, text).
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let root = workspace();
    let mut out = Vec::new();
    walk(&root, &root.join(dir), &mut out);
    assert!(!out.is_empty(), "no sources found under {dir}");
    out
}

/// The file's code with comment lines left out, one string.
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names the path `root::module` (`root::module::…`, or `module` inside a
/// `use root::{…}` group).
fn names(code: &str, root: &str, module: &str) -> bool {
    let direct = format!("{root}::{module}");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut rest = code;
    while let Some(i) = rest.find(&direct) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + direct.len()..].chars().next();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return true;
        }
        rest = &rest[i + direct.len()..];
    }
    let group = format!("{root}::{{");
    let mut rest = code;
    while let Some(i) = rest.find(&group) {
        // The group's top level only: `shared::{care::{db}}` is care's `db`, not shared's.
        let mut depth = 0;
        let mut top = String::new();
        for c in rest[i + group.len()..].chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                _ if depth == 0 => top.push(c),
                _ => {}
            }
        }
        // A top-level item names the module when it is `db` or starts with `db::`.
        if top
            .split(',')
            .any(|item| item.trim() == module || item.trim().starts_with(&format!("{module}::")))
        {
            return true;
        }
        rest = &rest[i + group.len()..];
    }
    false
}

fn is_test_support(path: &str) -> bool {
    path.contains("/tests/")
        || path.contains("/testing/")
        || path.ends_with("/tests.rs")
        || path.ends_with("/testing.rs")
}

#[test]
fn api_and_worker_reach_data_only_through_care() {
    let offenders: Vec<_> = sources("api/src")
        .into_iter()
        .chain(sources("worker/src"))
        .filter(|(_, text)| names(&code(text), "shared", "db"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        offenders.is_empty(),
        "these files use shared::db; call a shared::care function instead: {offenders:?}"
    );
}

#[test]
fn the_storage_layer_does_not_plan() {
    let offenders: Vec<_> = sources("shared/src/db")
        .into_iter()
        .filter(|(_, text)| {
            let code = code(text);
            names(&code, "crate", "protocol") || names(&code, "super", "protocol")
        })
        .map(|(path, _)| path)
        .collect();
    assert!(
        offenders.is_empty(),
        "shared::db imports protocol (planning belongs in care): {offenders:?}"
    );
}

#[test]
fn only_the_api_binary_composes_the_worker() {
    let offenders: Vec<_> = sources("api/src")
        .into_iter()
        .filter(|(path, _)| path != "api/src/main.rs")
        .filter(|(_, text)| {
            let code = code(text);
            code.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("use worker") || l.contains(" worker::") || l.contains("(worker::")
            })
        })
        .map(|(path, _)| path)
        .collect();
    assert!(
        offenders.is_empty(),
        "the api library names the worker crate (compose it in api/src/main.rs): {offenders:?}"
    );
}

#[test]
fn production_files_stay_small() {
    let long: Vec<_> = ["api/src", "worker/src", "shared/src"]
        .into_iter()
        .flat_map(sources)
        .filter(|(path, _)| !is_test_support(path))
        .map(|(path, text)| (path, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .collect();
    assert!(
        long.is_empty(),
        "production files over {MAX_LINES} lines (split by responsibility): {long:?}"
    );
}

#[test]
fn the_scan_recognises_each_form_it_looks_for() {
    assert!(names("use shared::db::Db;", "shared", "db"));
    assert!(names(
        "let x = shared::db::sessions::is_live(c);",
        "shared",
        "db"
    ));
    assert!(names("use shared::{care, db::Db};", "shared", "db"));
    assert!(names(
        "use shared::{\n    care,\n    db,\n};",
        "shared",
        "db"
    ));
    assert!(!names("use shared::dbx::Db;", "shared", "db"));
    assert!(!names("use shared::{care::Db, domain};", "shared", "db"));
    assert!(names(
        "use shared::{care::{self, Db}, db::Db};",
        "shared",
        "db"
    ));
    assert!(!names("use shared::{care::{db, Db}};", "shared", "db"));
    assert!(!names("use myshared::db;", "shared", "db"));
    assert!(names("use crate::protocol::Protocol;", "crate", "protocol"));
    assert!(!code("// see shared::db::sessions\nfn f() {}").contains("shared::db"));
    assert!(is_test_support("shared/src/protocol/tests/engine.rs"));
    assert!(is_test_support("shared/src/config/tests.rs"));
    assert!(!is_test_support("shared/src/care/check_ins.rs"));
}
