//! The deployment files must speak the configuration's language.

use std::collections::BTreeSet;

use serde_yaml_ng::Value;
use shared::config::SETTINGS;

fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docker-compose.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let mut doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    doc.apply_merge().unwrap();
    doc
}

#[test]
fn compose_sets_only_settings_the_config_knows() {
    let doc = compose();
    let known: BTreeSet<&str> = SETTINGS.iter().map(|s| s.name).collect();
    for service in ["api", "worker"] {
        let env = doc["services"][service]["environment"]
            .as_mapping()
            .unwrap();
        assert!(env.len() > 5, "{service} sets too little");
        for key in env.keys() {
            let key = key.as_str().unwrap();
            assert!(
                known.contains(key),
                "{service} sets {key}, which the configuration does not know"
            );
        }
        let deps = &doc["services"][service]["depends_on"]["postgres"]["condition"];
        assert_eq!(
            deps.as_str(),
            Some("service_healthy"),
            "{service} must wait for a healthy database"
        );
    }
    assert!(doc["services"]["postgres"]["healthcheck"].is_mapping());
    assert_eq!(
        doc["services"]["worker"]["command"][0].as_str(),
        Some("worker")
    );
}

/// The README's configuration table is the declarations, row for row and in order: no setting
/// missing, none stale, no default or meaning that differs.
#[test]
fn readme_table_matches_the_declarations() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Configuration\n"))
        .expect("README has a Configuration section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    let declared: Vec<String> = SETTINGS.iter().map(|s| s.readme_row()).collect();
    assert_eq!(
        rows, declared,
        "README configuration table differs from shared/src/config/settings.rs"
    );
}
