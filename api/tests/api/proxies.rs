//! The login throttle's client address behind a load balancer: `X-Forwarded-For` counts only
//! when the TCP peer is a trusted proxy (`AFTERCARE_TRUSTED_PROXIES`).

use reqwest::{Method, Response};
use serde_json::json;
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::helpers::TestApp;

async fn login_via(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> Response {
    app.request(Method::POST, "/v1/auth/login", None)
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn behind_a_trusted_proxy(app: TestApp) {
    // The client spoofs a left hop; the proxy appends the address it saw.
    for i in 0..20 {
        let r = login_via(
            &app,
            "192.0.2.1, 203.0.113.7",
            &format!("g{i}@example.test"),
            "x",
        )
        .await;
        assert_eq!(r.status(), 401);
    }
    let (user, _) = app.staff("clinician").await;
    let blocked = login_via(&app, "203.0.113.7", &user.email, FIXTURE_PASSWORD).await;
    assert_eq!(blocked.status(), 429, "the guessing client is locked");
    let other = login_via(
        &app,
        "192.0.2.1, 198.51.100.9",
        &user.email,
        FIXTURE_PASSWORD,
    )
    .await;
    assert_eq!(
        other.status(),
        200,
        "everyone else behind the proxy still signs in"
    );
}

async fn without_trusted_proxies(app: TestApp) {
    // Forwarding headers from an untrusted peer are the client's own words: ignored.
    for i in 0..20 {
        let r = login_via(
            &app,
            &format!("203.0.113.{i}"),
            &format!("g{i}@example.test"),
            "x",
        )
        .await;
        assert_eq!(r.status(), 401);
    }
    let (user, _) = app.staff("clinician").await;
    let r = login_via(&app, "198.51.100.9", &user.email, FIXTURE_PASSWORD).await;
    assert_eq!(r.status(), 429);
}

shared::both_backends! {
    spawn = |b| TestApp::spawn_with(b, &[("AFTERCARE_TRUSTED_PROXIES", "127.0.0.1/32, ::1")]);
    async fn forwarded_for_is_believed_from_trusted_proxies(app) {
        behind_a_trusted_proxy(app).await;
    }
}

crate::both_backends! {
    async fn forwarded_for_is_ignored_from_anyone_else(app) {
        without_trusted_proxies(app).await;
    }
}
