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

    async fn metrics_are_prometheus_text_by_route_pattern(app) {
        app.get("/healthz", None).await;
        let r = app.get("/metrics", None).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = r.text().await.unwrap();
        assert!(text.contains(r#"aftercare_http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
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
