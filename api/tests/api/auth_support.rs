//! Helpers for the account tests: an app wired to a loopback SMTP server, reading codes out of
//! received mail, and signing in over HTTP.

use reqwest::Response;
use serde_json::{Value, json};
use shared::db::Backend;
use shared::testing::smtp::SmtpServer;

use crate::helpers::TestApp;

/// The app on `backend`, delivering email to a fresh loopback SMTP server.
pub async fn spawn_with_smtp(backend: Backend) -> Option<(TestApp, SmtpServer)> {
    let smtp = SmtpServer::start().await;
    let settings = smtp.settings();
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(backend, &pairs).await?;
    Some((app, smtp))
}

/// Like `both_backends!`, for bodies that need `(app, smtp)`.
#[macro_export]
macro_rules! both_backends_with_smtp {
    ($(async fn $name:ident($app:ident, $smtp:ident) $body:block)*) => {
        shared::both_backends! {
            spawn = $crate::auth_support::spawn_with_smtp;
            $(async fn $name(($app, $smtp)) $body)*
        }
    };
}

/// The one-time code in a message (four dash-separated groups of four).
pub fn code_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| {
            w.len() == 19
                && w.split('-').count() == 4
                && w.split('-')
                    .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_alphanumeric()))
        })
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

/// Waits for the `n`th message to `to` and returns it with its code.
pub async fn nth_code(
    smtp: &SmtpServer,
    to: &str,
    n: usize,
) -> (shared::testing::smtp::ReceivedMail, String) {
    let got = smtp.wait_for(to, n).await;
    assert!(
        got.len() >= n,
        "expected {n} message(s) for {to}, got {}",
        got.len()
    );
    let mail = got[n - 1].clone();
    let code = code_in(&mail.body_text());
    (mail, code)
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.post_json(
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
}

pub async fn accept(app: &TestApp, code: &str, password: &str) -> Response {
    app.post_json(
        "/v1/auth/invitations/accept",
        None,
        &json!({"code": code, "password": password}),
    )
    .await
}

pub async fn refresh(app: &TestApp, token: &str) -> Response {
    app.post_json("/v1/auth/refresh", None, &json!({"refresh_token": token}))
        .await
}

/// The body of a 200 token response, checked for its contract fields.
pub async fn tokens(resp: Response) -> Value {
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let body: Value = resp.json().await.unwrap();
    for f in [
        "access_token",
        "refresh_token",
        "expires_in",
        "role",
        "user_id",
        "clinic_id",
    ] {
        assert!(!body[f].is_null(), "token response lacks {f}: {body}");
    }
    assert_eq!(body["token_type"], "Bearer");
    body
}

pub fn str_of(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"))
        .to_owned()
}
