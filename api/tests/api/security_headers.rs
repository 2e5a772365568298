//! Security headers on every answer, and CORS closed unless the operator lists an origin.

use reqwest::Method;

use crate::helpers::TestApp;

async fn closed_by_default(app: TestApp) {
    let (_, token) = app.staff("clinician").await;
    let r = app
        .request(Method::GET, "/v1/clinic", Some(&token))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["content-security-policy"], "frame-ancestors 'none'");
    assert_eq!(h["cache-control"], "no-store");
    assert!(!h.contains_key("access-control-allow-origin"));
    // Errors too.
    let r = app.get("/v1/clinic", None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    // A preflight from anywhere gets no CORS answer.
    let r = app
        .request(Method::OPTIONS, "/v1/clinic", None)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

async fn open_to_listed_origins(app: TestApp) {
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/v1/me/check-ins", None)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let r = preflight("https://app.example.com").await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    let r = preflight("https://other.example.com").await.unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));

    let (_, token) = app.staff("clinician").await;
    let r = app
        .request(Method::GET, "/v1/clinic", Some(&token))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        r.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")
    );
}

crate::both_backends! {
    async fn security_headers_and_cors_closed_by_default(app) {
        closed_by_default(app).await;
    }
}

shared::both_backends! {
    spawn = |b| TestApp::spawn_with(b, &[("AFTERCARE_CORS_ORIGINS", "https://app.example.com, http://localhost:3000")]);
    async fn cors_answers_listed_origins_only(app) {
        open_to_listed_origins(app).await;
    }
}
