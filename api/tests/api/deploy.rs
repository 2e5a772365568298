//! The deployment files (Dockerfile, compose, Kubernetes manifests, alert rules and dashboard)
//! checked against the code, since CI cannot run Docker or a cluster: every setting they name
//! exists, every command they run parses in the CLIs, every probe hits a served path on the
//! port its process listens on, and every metric they chart or alert on is exported.

use std::collections::{BTreeSet, HashMap};

use clap::Parser;
use serde::Deserialize;
use serde_yaml_ng::Value;
use shared::config::SETTINGS;

fn read(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn known_setting(name: &str, context: &str) {
    assert!(
        SETTINGS.iter().any(|s| s.name == name),
        "{context} sets {name}, which shared/src/config/settings.rs does not declare"
    );
}

/// `argv` is a command one of the binaries accepts (subcommand and flags included).
pub fn runs(argv: &[&str], context: &str) {
    let parsed = match argv.first() {
        Some(&"api") => api::cli::Cli::try_parse_from(argv).map(|_| ()),
        Some(&"worker") => worker::cli::Cli::try_parse_from(argv).map(|_| ()),
        _ => panic!("{context} runs {argv:?}, which is neither `api` nor `worker`"),
    };
    if let Err(e) = parsed {
        panic!("{context} runs {argv:?}, which the CLI rejects: {e}");
    }
}

/// The Dockerfile's instructions (continuation lines joined), those of the last stage marked.
fn dockerfile() -> Vec<(bool, String, String)> {
    let text = read("Dockerfile");
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match line.trim_end().strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                if !current.trim().is_empty() {
                    joined.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    let last_from = joined.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
    joined
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let (op, rest) = l.trim().split_once(' ').unwrap();
            (i >= last_from, op.to_owned(), rest.trim().to_owned())
        })
        .collect()
}

#[test]
fn the_image_runs_its_documented_default() {
    let steps = dockerfile();
    let runtime: Vec<_> = steps.iter().filter(|s| s.0).collect();
    let mut env = HashMap::new();
    for (_, _, rest) in runtime.iter().filter(|s| s.1 == "ENV") {
        for pair in rest.split_whitespace() {
            let (k, v) = pair.split_once('=').unwrap();
            known_setting(k, "the Dockerfile");
            env.insert(k.to_owned(), v.to_owned());
        }
    }
    // SQLite in the volume (the default path is relative, and the working directory is the
    // volume), listening on every interface (a container's loopback is its own).
    assert!(
        !env.contains_key("DATABASE_URL"),
        "an image DATABASE_URL would clash with a deployment's DATABASE_URL_FILE"
    );
    for secret in ["AFTERCARE_JWT_SECRET", "AFTERCARE_SMTP_PASSWORD"] {
        assert!(!env.contains_key(secret), "{secret} in the image");
    }
    let url =
        shared::db::DatabaseUrl::parse(shared::config::settings::DATABASE_URL.default.unwrap())
            .unwrap();
    assert_eq!(url, shared::db::DatabaseUrl::Sqlite("aftercare.db".into()));
    let bind: std::net::SocketAddr = env["AFTERCARE_BIND"].parse().unwrap();
    assert!(bind.ip().is_unspecified(), "{bind}");
    let of = |op: &str| -> Vec<&str> {
        runtime
            .iter()
            .filter(|s| s.1 == op)
            .map(|s| s.2.as_str())
            .collect()
    };
    assert_eq!(of("EXPOSE"), [bind.port().to_string()]);
    assert_eq!(of("VOLUME"), [r#"["/data"]"#]);
    assert_eq!(
        of("WORKDIR"),
        ["/data"],
        "the default SQLite file lands in the volume"
    );
    let user = of("USER");
    assert!(
        user.len() == 1 && !user[0].starts_with("root") && !user[0].starts_with("0"),
        "{user:?}"
    );
    let cmd: Vec<String> = serde_json::from_str(of("CMD")[0]).unwrap();
    runs(&cmd.iter().map(String::as_str).collect::<Vec<_>>(), "CMD");
    let check = of("HEALTHCHECK")[0];
    let exec = check.split_once("CMD ").unwrap().1;
    let argv: Vec<String> = serde_json::from_str(exec).unwrap();
    assert_eq!(argv[..2], ["api", "healthcheck"]);
    runs(
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
        "HEALTHCHECK",
    );
    let runtime_text: String = runtime
        .iter()
        .map(|s| format!("{} {}\n", s.1, s.2))
        .collect();
    assert!(!runtime_text.contains("curl"), "{runtime_text}");
}

#[test]
fn dependencies_build_in_their_own_layer() {
    let steps = dockerfile();
    let build: Vec<String> = steps.iter().map(|s| format!("{} {}", s.1, s.2)).collect();
    let cook = build
        .iter()
        .position(|s| s.contains("cargo chef cook"))
        .expect("a cook step");
    let copy_all = build.iter().rposition(|s| s == "COPY . .").unwrap();
    let compile = build
        .iter()
        .position(|s| s.contains("cargo build --release --locked"))
        .unwrap();
    assert!(cook < copy_all && copy_all < compile, "{build:#?}");
    assert!(
        build[cook].contains("--features shared/postgres-tls")
            && build[compile].contains("--features shared/postgres-tls")
    );
}

#[test]
fn no_secret_or_local_state_enters_the_build_context() {
    let ignore: BTreeSet<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    for needed in [
        "target", ".git", ".env", ".env.*", "**/.env", "**/*.pem", "**/*.p8", "**/*.key", "**/*.db",
    ] {
        assert!(ignore.contains(needed), ".dockerignore lacks {needed}");
    }
}

#[test]
fn compose_runs_existing_commands_and_health_checks() {
    let mut doc: Value = serde_yaml_ng::from_str(&read("docker-compose.yml")).unwrap();
    doc.apply_merge().unwrap();
    for (service, check) in [
        ("api", ["api", "healthcheck"]),
        ("worker", ["worker", "healthcheck"]),
    ] {
        let strings = |v: &Value| -> Vec<String> {
            v.as_sequence()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        let command = strings(&doc["services"][service]["command"]);
        runs(
            &command.iter().map(String::as_str).collect::<Vec<_>>(),
            service,
        );
        let test = strings(&doc["services"][service]["healthcheck"]["test"]);
        assert_eq!(test[0], "CMD", "{service}: exec form, no shell");
        assert_eq!(test[1..3], check);
        runs(
            &test[1..].iter().map(String::as_str).collect::<Vec<_>>(),
            service,
        );
    }
}

fn manifests(path: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(&read(path))
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

#[test]
fn kubernetes_manifests_speak_the_configuration_and_the_clis() {
    let kustomization = &manifests("deploy/kubernetes/kustomization.yaml")[0];
    let docs: Vec<Value> = kustomization["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|r| manifests(&format!("deploy/kubernetes/{}", r.as_str().unwrap())))
        .collect();
    let of_kind =
        |kind: &str| -> Vec<&Value> { docs.iter().filter(|d| d["kind"] == kind).collect() };
    let config = of_kind("ConfigMap");
    assert_eq!(config.len(), 1);
    for key in config[0]["data"].as_mapping().unwrap().keys() {
        known_setting(key.as_str().unwrap(), "the ConfigMap");
    }
    let secret = &manifests("deploy/kubernetes/secret.example.yaml")[0];
    let secret_keys: BTreeSet<&str> = secret["stringData"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();

    let deployments = of_kind("Deployment");
    assert_eq!(deployments.len(), 2);
    for d in deployments {
        let name = d["metadata"]["name"].as_str().unwrap();
        assert_eq!(d["spec"]["replicas"].as_u64(), Some(2), "{name}");
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(
            pod["securityContext"]["runAsNonRoot"].as_bool(),
            Some(true),
            "{name}"
        );
        let c = &pod["containers"][0];
        let argv: Vec<&str> = c["command"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        runs(&argv, name);
        assert_eq!(
            c["envFrom"][0]["configMapRef"]["name"],
            config[0]["metadata"]["name"]
        );
        let env: HashMap<&str, &Value> = c["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| (e["name"].as_str().unwrap(), &e["value"]))
            .collect();
        for key in env.keys() {
            known_setting(key, name);
        }
        // Secrets arrive as files from the Secret's volume, never as plain variables.
        let mount = c["volumeMounts"][0]["mountPath"].as_str().unwrap();
        let volume = &pod["volumes"][0];
        assert_eq!(c["volumeMounts"][0]["name"], volume["name"]);
        assert_eq!(
            volume["secret"]["secretName"], secret["metadata"]["name"],
            "{name}"
        );
        for file in ["DATABASE_URL_FILE", "AFTERCARE_JWT_SECRET_FILE"] {
            let path = env[file].as_str().unwrap();
            let key = path.strip_prefix(&format!("{mount}/")).unwrap();
            assert!(
                secret_keys.contains(key),
                "{name}: {file} names {key}, not in the Secret"
            );
        }
        // Probes reach served paths on the port the process listens on.
        let bind_setting = if argv[0] == "api" {
            "AFTERCARE_BIND"
        } else {
            "AFTERCARE_WORKER_METRICS_BIND"
        };
        let bind: std::net::SocketAddr = env[bind_setting].as_str().unwrap().parse().unwrap();
        assert!(bind.ip().is_unspecified(), "{name}: {bind}");
        let ports: HashMap<&str, u64> = c["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap(),
                    p["containerPort"].as_u64().unwrap(),
                )
            })
            .collect();
        for probe in ["livenessProbe", "readinessProbe"] {
            let get = &c[probe]["httpGet"];
            let path = get["path"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} lacks {probe}"));
            assert!(
                ["/healthz", "/readyz"].contains(&path),
                "{name} {probe} {path}"
            );
            let port = ports[get["port"].as_str().unwrap()];
            assert_eq!(port, u64::from(bind.port()), "{name} {probe}");
        }
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
        assert!(c["resources"]["requests"]["memory"].is_string(), "{name}");
        assert!(c["resources"]["limits"]["memory"].is_string(), "{name}");
        let labels = &d["spec"]["selector"]["matchLabels"];
        let budgets = of_kind("PodDisruptionBudget");
        assert!(
            budgets
                .iter()
                .any(|b| &b["spec"]["selector"]["matchLabels"] == labels
                    && b["spec"]["minAvailable"].as_u64() == Some(1)),
            "{name} has no PodDisruptionBudget"
        );
    }
}

/// Every `aftercare_*` series a dashboard panel or an alert rule queries.
fn metric_names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("aftercare_") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.insert(tail[..end].to_owned());
        }
        rest = &tail[end..];
    }
    names
}

crate::both_backends! {
    async fn dashboards_and_alerts_name_only_exported_metrics(app) {
        let text = app.get("/metrics", None).await.text().await.unwrap();
        // The series each family exposes (OpenMetrics: counters as `_total`, histograms as
        // `_bucket`, `_sum`, `_count`).
        let mut exported = BTreeSet::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("# TYPE ") else { continue };
            let (name, kind) = rest.split_once(' ').unwrap();
            let suffixes: &[&str] = match kind {
                "counter" => &["_total", "_created"],
                "histogram" => &["_bucket", "_sum", "_count", "_created"],
                _ => &[""],
            };
            exported.extend(suffixes.iter().map(|s| format!("{name}{s}")));
        }
        for file in ["deploy/grafana/aftercare.json", "deploy/prometheus/alerts.yml"] {
            let named = metric_names_in(&read(file));
            assert!(named.len() >= 6, "{file}: {named:?}");
            let missing: Vec<_> = named.difference(&exported).collect();
            assert!(missing.is_empty(), "{file} names {missing:?}, not exported:\n{text}");
        }
        for needed in ["aftercare_prompt_backlog", "aftercare_delivery_lateness_seconds_bucket", "aftercare_clinic_alert_outbox_depth", "aftercare_open_escalations", "aftercare_provider_request_duration_seconds_bucket", "aftercare_deliveries_total", "aftercare_lease_recoveries_total"] {
            assert!(exported.contains(needed), "{needed} not exported");
        }
    }
}

#[test]
fn the_alert_rules_cover_what_on_call_needs() {
    let rules = &manifests("deploy/prometheus/alerts.yml")[0];
    let alerts: BTreeSet<&str> = rules["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .map(|r| {
            assert!(r["expr"].is_string() && r["for"].is_string(), "{r:?}");
            r["alert"].as_str().unwrap()
        })
        .collect();
    for needed in [
        "AftercareBacklogGrowing",
        "AftercareDeliveryLatenessHigh",
        "AftercareDeliveryFailureRatio",
        "AftercareWorkerDown",
    ] {
        assert!(alerts.contains(needed), "{needed} missing: {alerts:?}");
    }
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana/aftercare.json")).unwrap();
    assert!(dashboard["panels"].as_array().unwrap().len() >= 8);

    // Every job the rules and the dashboard select on is a scrape job we ship, keeping the pods
    // of a Deployment that exists (otherwise "worker down" fires for ever).
    let scrape = &manifests("deploy/prometheus/scrape.yml")[0];
    let jobs: BTreeSet<String> = scrape
        .as_sequence()
        .unwrap()
        .iter()
        .map(|j| j["job_name"].as_str().unwrap().to_owned())
        .collect();
    let kept: Vec<String> = scrape
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|j| j["relabel_configs"].as_sequence().unwrap())
        .filter(|r| r["action"].as_str() == Some("keep"))
        .map(|r| r["regex"].as_str().unwrap().to_owned())
        .collect();
    let text = read("deploy/prometheus/alerts.yml") + &read("deploy/grafana/aftercare.json");
    for named in text.split("job=").skip(1) {
        let name = named
            .trim_start_matches(['"', '\\', '~'])
            .split(['"', '\\'])
            .next()
            .unwrap();
        assert!(
            jobs.contains(name),
            "job {name} is not in deploy/prometheus/scrape.yml"
        );
    }
    for job in &jobs {
        assert!(kept.contains(job), "{job} keeps no pods by name");
        let deployment = job.trim_start_matches("aftercare-");
        let manifest = read(&format!("deploy/kubernetes/{deployment}.yaml"));
        assert!(
            manifest.contains(&format!("app.kubernetes.io/name: {job}")),
            "{job}"
        );
    }
}

#[test]
fn metric_names_are_found_in_queries() {
    assert_eq!(
        metric_names_in(
            r#"sum(rate(aftercare_deliveries_total{outcome="x"}[5m])) / max(aftercare_prompt_backlog) job="aftercare-worker" x_aftercare_no"#
        ),
        BTreeSet::from([
            "aftercare_deliveries_total".to_owned(),
            "aftercare_prompt_backlog".to_owned()
        ])
    );
}
