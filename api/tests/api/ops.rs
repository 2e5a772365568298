use serde_json::Value;

use crate::both_backends;

both_backends! {
    async fn healthz_and_readyz_answer(app) {
        let r = app.get("/healthz", None).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("x-request-id"));
        let r = app.get("/readyz", None).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["database"], "ok");
    }

    async fn metrics_are_openmetrics_by_route_pattern(app) {
        app.get("/healthz", None).await;
        let r = app.get("/metrics", None).await;
        assert_eq!(r.status(), 200);
        // Scrapers keep the types only when told the format (OpenMetrics 1.0).
        assert_eq!(
            r.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        let text = r.text().await.unwrap();
        assert!(text.contains(r#"aftercare_http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
        assert!(text.contains("# UNIT aftercare_http_request_duration_seconds seconds\n"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
        // The queue gauges are there even with nothing queued.
        assert!(text.contains("\naftercare_prompt_backlog 0\n"), "{text}");
    }

    async fn openapi_and_docs_are_served(app) {
        let r = app.get("/openapi.json", None).await;
        assert_eq!(r.status(), 200);
        let doc: Value = r.json().await.unwrap();
        assert!(doc["paths"]["/readyz"]["get"].is_object());
        assert_eq!(app.get("/docs", None).await.status(), 308);
        let r = app.get("/docs/", None).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("swagger"));
    }
}

/// `/readyz` says 503 when the schema is not migrated (an empty database).
#[tokio::test]
async fn readyz_is_503_when_migrations_are_pending() {
    let app = crate::helpers::TestApp::spawn(shared::db::Backend::Sqlite)
        .await
        .unwrap();
    app.db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("DELETE FROM __diesel_schema_migrations")?;
            Ok(())
        })
        .await
        .unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 503);
}

/// A single-node API (delivery loop embedded) ticking every second.
async fn spawn_embedded(backend: shared::db::Backend) -> Option<crate::helpers::TestApp> {
    crate::helpers::TestApp::spawn_with(
        backend,
        &[
            ("AFTERCARE_EMBEDDED_WORKER", "on"),
            ("AFTERCARE_DISPATCH_CRON", "* * * * * *"),
        ],
    )
    .await
}

shared::both_backends! {
    spawn = spawn_embedded;

    // The embedded loop reports into `/readyz`: with the database gone, the loop stalls and
    // the single node says so (503), where `/healthz` (the process) still answers.
    async fn readyz_reports_the_embedded_loop(app) {
        let r = app.get("/readyz", None).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["worker"], "ok", "{body}");

        app.destroy_database();
        let started = std::time::Instant::now();
        let body: Value = loop {
            let r = app.get("/readyz", None).await;
            if r.status() == 503 {
                break r.json().await.unwrap();
            }
            assert!(started.elapsed().as_secs() < 40, "still ready after the database went");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        };
        assert_eq!(body["status"], "unavailable", "{body}");
        // Within three one-second ticks the loop is stalled too (the database check may take
        // the pool's connection timeout to give up).
        let started = std::time::Instant::now();
        loop {
            let body: Value = app.get("/readyz", None).await.json().await.unwrap();
            if body["worker"] == "stalled" {
                break;
            }
            assert!(started.elapsed().as_secs() < 40, "{body}");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert_eq!(app.get("/healthz", None).await.status(), 200);
    }
}

/// An API without an embedded loop says nothing of one.
#[tokio::test]
async fn readyz_without_an_embedded_loop_has_no_worker_field() {
    let app = crate::helpers::TestApp::spawn(shared::db::Backend::Sqlite)
        .await
        .unwrap();
    let body: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert!(body.get("worker").is_none(), "{body}");
}

/// `api healthcheck` (the image's HEALTHCHECK) against the real binary: exit 0 while the API
/// on AFTERCARE_BIND is ready, 1 with a one-line reason when it is not or nothing listens.
#[tokio::test]
async fn api_healthcheck_exits_0_when_ready_and_1_otherwise() {
    let app = crate::helpers::TestApp::spawn(shared::db::Backend::Sqlite)
        .await
        .unwrap();
    let probe = |bind: String, args: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_api"))
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("AFTERCARE_BIND", bind)
                .env("RUST_LOG", "warn")
                .arg("healthcheck")
                .args(args)
                .output()
                .unwrap()
        })
    };
    let bind = app.address.trim_start_matches("http://").to_owned();
    let out = probe(bind.clone(), &[]).await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "healthy: /readyz answered 200\n"
    );

    // A path the API answers 404 to is unhealthy.
    let out = probe(bind.clone(), &["--path", "/nowhere"]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: http://127.0.0.1:")
            && stderr.ends_with("/nowhere answered 404\n"),
        "{stderr}"
    );

    // A mistyped flag is clap's usage error, printed, with exit 1 instead of its 2 (Docker
    // reserves 2 in health checks).
    let out = probe(bind, &["--paht", "/readyz"]).await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--paht"),
        "{out:?}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = probe(format!("0.0.0.0:{port}"), &[]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: http://127.0.0.1:{port}/readyz: ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
