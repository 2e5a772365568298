//! The worker's own endpoints: `/healthz` follows the dispatch loop, `/readyz` the database,
//! `/metrics` is OpenMetrics with the queue gauges.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use chrono::Duration as Span;
use shared::db::prompts;
use shared::metrics::Metrics;
use shared::time::now;

use crate::both_backends;
use crate::helpers::{escalate, new_prompt};

async fn status(client: &reqwest::Client, base: &str, path: &str) -> u16 {
    match client.get(format!("{base}{path}")).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// The value of the sample `series` (name and labels, as exposed) in an exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

/// Polls `path` until it answers `want`; panics after `limit`.
async fn wait_for(client: &reqwest::Client, base: &str, path: &str, want: u16, limit: Duration) {
    let started = Instant::now();
    loop {
        let got = status(client, base, path).await;
        if got == want {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{path} still answers {got}, not {want}, after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

both_backends! {
    async fn queue_gauges_count_the_database_at_scrape_time(env) {
        let gauges = |text: &str| {
            ["aftercare_prompt_backlog", "aftercare_clinic_alert_outbox_depth", "aftercare_open_escalations"]
                .map(|name| sample(text, name))
        };
        let metrics = Metrics::new();
        metrics.refresh(&env.db).await;
        assert_eq!(gauges(&metrics.render()), [Some(0.0); 3]);

        // Two prompts due, one due tomorrow, one waiting out a retry; a routine and an
        // urgent escalation (the urgent one with its clinic alert).
        let (clinic, patient) = env.patient().await;
        let (c, p) = (clinic.id.clone(), patient.id.clone());
        env.run(move |conn| {
            let mut rows: Vec<_> = ["a", "b", "c", "d"].map(|k| new_prompt(&c, &p, k)).into();
            rows[2].available_at = now() + Span::days(1);
            rows[3].available_at = now() + Span::minutes(5);
            rows[3].attempts = 1;
            prompts::insert(conn, &rows).unwrap();
            escalate(conn, &c, &p, "routine");
            escalate(conn, &c, &p, "urgent");
        })
        .await;
        metrics.refresh(&env.db).await;
        assert_eq!(gauges(&metrics.render()), [Some(2.0), Some(1.0), Some(2.0)]);
    }

    async fn healthz_turns_503_when_the_database_is_gone(env) {
        env.set([("AFTERCARE_DISPATCH_CRON", "* * * * * *".to_owned())]);
        let (clinic, patient) = env.patient().await;
        env.prompt(&clinic.id, &patient.id).await;
        let w = env.worker();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = worker::http::serve(listener, &w).unwrap();
        let client = reqwest::Client::new();

        // Before the first tick: the due prompt is the backlog.
        let r = client.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(
            r.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        let text = r.text().await.unwrap();
        assert_eq!(sample(&text, "aftercare_prompt_backlog"), Some(1.0), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");

        let (stop, stopped) = watch::channel(false);
        let run = tokio::spawn(w.clone().run(stopped));
        wait_for(&client, &base, "/healthz", 200, Duration::from_secs(5)).await;
        assert_eq!(status(&client, &base, "/readyz").await, 200);
        // The body names what is not configured (no SMTP, FCM, APNs or SMS here), and what the
        // push providers refused: never a 503 by itself.
        let ready: serde_json::Value = client.get(format!("{base}/readyz")).send().await.unwrap().json().await.unwrap();
        assert_eq!(ready["not_configured"], serde_json::json!(["smtp", "fcm", "apns", "webpush", "sms"]));
        assert_eq!(ready["push_config_errors"], serde_json::json!([]));
        w.metrics.push_config_error("apns", "BadTopic");
        let ready: serde_json::Value = client.get(format!("{base}/readyz")).send().await.unwrap().json().await.unwrap();
        assert_eq!((ready["status"].as_str(), ready["push_config_errors"][0]["reason"].as_str()), (Some("ok"), Some("BadTopic")));
        // The loop beats: the prompt goes out, and the last progress is exported.
        let started = Instant::now();
        loop {
            let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
            let late = r#"aftercare_delivery_lateness_seconds_count{channel="log"}"#;
            if sample(&text, late) == Some(1.0) {
                assert_eq!(sample(&text, "aftercare_prompt_backlog"), Some(0.0), "{text}");
                let sends = r#"aftercare_provider_request_duration_seconds_count{channel="log"}"#;
                assert_eq!(sample(&text, sends), Some(1.0), "{text}");
                let beat = sample(&text, "aftercare_dispatch_last_success_timestamp_seconds");
                assert!(beat > Some(1.7e9), "{text}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{text}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        env.database.destroy();
        // Three one-second intervals without a successful claim, plus slack for a slow tick.
        wait_for(&client, &base, "/healthz", 503, Duration::from_secs(20)).await;
        let r = client.get(format!("{base}/healthz")).send().await.unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], "stalled");
        assert_eq!(status(&client, &base, "/readyz").await, 503);

        let _ = stop.send(true);
        run.await.unwrap();
        server.stop(true).await;
    }

    async fn healthz_turns_503_when_the_loop_stops(env) {
        env.set([("AFTERCARE_DISPATCH_CRON", "* * * * * *".to_owned())]);
        let w = env.worker();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = worker::http::serve(listener, &w).unwrap();
        let client = reqwest::Client::new();
        let (stop, stopped) = watch::channel(false);
        let run = tokio::spawn(w.clone().run(stopped));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(status(&client, &base, "/healthz").await, 200);
        let _ = stop.send(true);
        run.await.unwrap();
        // The database is fine, the loop is not: alive-but-useless is what liveness catches.
        wait_for(&client, &base, "/healthz", 503, Duration::from_secs(10)).await;
        assert_eq!(status(&client, &base, "/readyz").await, 200);
        server.stop(true).await;
    }
}

fn worker_healthcheck(bind: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_worker"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .arg("healthcheck");
    if let Some(bind) = bind {
        cmd.env("AFTERCARE_WORKER_METRICS_BIND", bind);
    }
    cmd.output().unwrap()
}

/// `worker healthcheck` (the compose file's health check) against the real binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_healthcheck_follows_healthz() {
    let env = crate::helpers::Env::new(shared::db::Backend::Sqlite)
        .await
        .unwrap();
    let w = env.worker();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = listener.local_addr().unwrap().to_string();
    let server = worker::http::serve(listener, &w).unwrap();

    let b = bind.clone();
    let out = tokio::task::spawn_blocking(move || worker_healthcheck(Some(&b)))
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "healthy: /healthz answered 200\n"
    );

    server.stop(true).await;
    let stopped = bind.clone();
    let out = tokio::task::spawn_blocking(move || worker_healthcheck(Some(&bind)))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // A bad setting is unhealthy too: exit 1, not the configuration error's 2 (Docker
    // reserves 2 in health checks).
    let out = tokio::task::spawn_blocking(|| worker_healthcheck(Some("port 9090")))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // So is a mistyped flag: clap's usage error, printed, with exit 1 instead of its 2.
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_worker"));
        cmd.env("AFTERCARE_WORKER_METRICS_BIND", stopped).args([
            "healthcheck",
            "--paht",
            "/healthz",
        ]);
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--paht"),
        "{out:?}"
    );

    let out = tokio::task::spawn_blocking(|| worker_healthcheck(None))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: AFTERCARE_WORKER_METRICS_BIND is not set: the worker serves no health endpoint\n"
    );
}

both_backends! {
    async fn lease_recoveries_are_counted_by_queue(env) {
        let (clinic, patient) = env.patient().await;
        env.prompt(&clinic.id, &patient.id).await;
        // Another worker's claim whose lease has already run out.
        env.run(|c| {
            let t = now();
            prompts::claim_due(c, "gone-worker", t, t - Span::seconds(1), 10).unwrap()
        })
        .await;
        let w = env.worker();
        assert_eq!(worker::dispatch::recover_leases(&w).await.unwrap(), 1);
        worker::alerts::recover_leases(&w).await.unwrap();
        let text = w.metrics.render();
        assert_eq!(sample(&text, r#"aftercare_lease_recoveries_total{queue="prompts"}"#), Some(1.0), "{text}");
        assert_eq!(sample(&text, r#"aftercare_lease_recoveries_total{queue="clinic_alerts"}"#), Some(0.0), "{text}");
    }
}
