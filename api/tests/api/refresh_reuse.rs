//! A refresh token presented twice: within the reuse interval the duplicate gets the same
//! successor pair; after it, the reuse revokes the whole session (docs/CONTRACT.md).

use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::auth_support::{login, refresh, str_of, tokens};
use crate::helpers::{TestApp, problem};

async fn reuse_after_the_interval_revokes(app: TestApp) {
    let (user, _) = app.staff("clinician").await;
    let first = tokens(login(&app, &user.email, FIXTURE_PASSWORD).await).await;
    let r1 = str_of(&first, "refresh_token");
    let rotated = tokens(refresh(&app, &r1).await).await;
    let r2 = str_of(&rotated, "refresh_token");
    let duplicate = tokens(refresh(&app, &r1).await).await;
    assert_eq!(str_of(&duplicate, "refresh_token"), r2);

    // The interval is one second here.
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    problem(refresh(&app, &r1).await, 401).await;
    problem(refresh(&app, &r2).await, 401).await;
}

shared::both_backends! {
    spawn = |b| TestApp::spawn_with(b, &[("AFTERCARE_REFRESH_REUSE_SECS", "1")]);
    async fn a_reuse_after_the_interval_revokes_the_session(app) {
        reuse_after_the_interval_revokes(app).await;
    }
}

shared::both_backends! {
    spawn = |b| TestApp::spawn_with(b, &[("AFTERCARE_REFRESH_REUSE_SECS", "0")]);
    async fn without_an_interval_any_reuse_revokes(app) {
        let (user, _) = app.staff("clinician").await;
        let first = tokens(login(&app, &user.email, FIXTURE_PASSWORD).await).await;
        let r1 = str_of(&first, "refresh_token");
        let r2 = str_of(&tokens(refresh(&app, &r1).await).await, "refresh_token");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        problem(refresh(&app, &r1).await, 401).await;
        problem(refresh(&app, &r2).await, 401).await;
    }
}
