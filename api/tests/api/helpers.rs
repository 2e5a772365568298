//! `TestApp`: the real server on port 0 with its own database and its own configuration.
#![allow(dead_code)]

use std::collections::HashMap;

use api::app::Application;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use shared::config::Config;
use shared::db::{Backend, Db};
use shared::testing::TestDatabase;

pub const JWT_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    /// The database's URL, for the operator CLI run against the same database.
    pub database_url: String,
    // Dropped last: the database outlives the server using it.
    _database: TestDatabase,
}

impl TestApp {
    /// Starts the app on `backend`; `None` when PostgreSQL is unavailable and not required.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts the app with extra settings (e.g. an SMTP server or fake push endpoints).
    pub async fn spawn_with(backend: Backend, settings: &[(&str, &str)]) -> Option<TestApp> {
        Self::spawn_configured(backend, settings, |_| {}).await
    }

    /// Starts the app with extra settings and a last change to the parsed configuration, for
    /// what no setting turns on (e.g. Web Push subscriptions on a loopback fake push service).
    pub async fn spawn_configured(
        backend: Backend,
        settings: &[(&str, &str)],
        tweak: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let database = TestDatabase::new(backend)?;
        let mut vars: HashMap<String, String> = [
            ("DATABASE_URL", database.url_string().as_str()),
            ("AFTERCARE_BIND", "127.0.0.1:0"),
            ("AFTERCARE_JWT_SECRET", JWT_SECRET),
            ("AFTERCARE_EMBEDDED_WORKER", "off"),
            ("AFTERCARE_DB_POOL_SIZE", "4"),
            ("RUST_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in settings {
            vars.insert(k.to_string(), v.to_string());
        }
        let mut config = Config::from_vars(&vars).expect("test configuration");
        tweak(&mut config);
        // TEST_LOG=<filter> sends every test server's log to stderr, so a whole run's log can
        // be searched for health data and secrets (.ci/check-logs).
        if let Ok(filter) = std::env::var("TEST_LOG") {
            shared::telemetry::init(shared::config::LogFormat::Text, &filter);
        }
        // The embedded delivery loop as the api binary builds it (`api/src/main.rs`).
        let app = Application::build(config.clone(), |db, config, metrics, mailer| {
            worker::Worker::new(db, config, metrics, mailer).embedded()
        })
        .await
        .expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.state.db.clone();
        tokio::spawn(app.run_until_stopped());
        Some(TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db,
            config,
            database_url: database.url_string(),
            _database: database,
        })
    }

    /// Takes the database away from under the running server ([`TestDatabase::destroy`]).
    pub fn destroy_database(&self) {
        self._database.destroy();
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self
            .client
            .request(method, format!("{}{}", self.address, path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// A clinic with one user of `role` (`clinic_admin`, `clinician`) and an access token.
    pub async fn staff(&self, role: &'static str) -> (shared::db::users::User, String) {
        let clinic = self
            .db
            .run(|c| Ok(shared::testing::fixtures::clinic(c, "Test Clinic")))
            .await
            .unwrap();
        self.staff_in(&clinic.id, role).await
    }

    /// Another user of `role` in an existing clinic, with an access token.
    pub async fn staff_in(
        &self,
        clinic_id: &shared::domain::ClinicId,
        role: &'static str,
    ) -> (shared::db::users::User, String) {
        let clinic_id = clinic_id.clone();
        let user = self
            .db
            .run(move |c| Ok(shared::testing::fixtures::user(c, &clinic_id, role)))
            .await
            .unwrap();
        let token = self.token_for(&user);
        (user, token)
    }

    /// An enrolled, active patient of `clinic_id` living in `timezone`, with an access token.
    pub async fn patient_in(
        &self,
        clinic_id: &shared::domain::ClinicId,
        timezone: &str,
    ) -> (shared::db::users::User, String) {
        let (clinic_id, tz) = (clinic_id.clone(), timezone.to_owned());
        let (user, _) = self
            .db
            .run(move |c| Ok(shared::testing::fixtures::patient(c, &clinic_id, &tz)))
            .await
            .unwrap();
        let token = self.token_for(&user);
        (user, token)
    }

    /// Mints an access token as login would, with a live session row (every request checks
    /// it).
    pub fn token_for(&self, user: &shared::db::users::User) -> String {
        let mut conn = self.db.get().unwrap();
        let session =
            shared::db::sessions::create(&mut conn, &user.id, shared::time::now()).unwrap();
        let keys = shared::auth::TokenKeys::new(&self.config.jwt);
        keys.issue(
            user.id.as_str(),
            user.role,
            user.clinic_id.as_str(),
            session.as_str(),
            chrono::Utc::now().timestamp(),
        )
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// Reads a problem document, checking its content type and shape.
pub async fn problem(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status, "unexpected status");
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = resp.json().await.unwrap();
    for field in ["type", "title", "status", "detail"] {
        assert!(body.get(field).is_some(), "problem lacks {field}: {body}");
    }
    assert_eq!(body["status"], status);
    body
}

/// Runs the same async test body on SQLite and on PostgreSQL, each with a fresh [`TestApp`]
/// (see `shared::both_backends!`).
///
/// ```ignore
/// both_backends! {
///     async fn healthz_answers(app) { ... }
/// }
/// ```
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        shared::both_backends! {
            spawn = $crate::helpers::TestApp::spawn;
            $(async fn $name($app) $body)*
        }
    };
}

pub use shared::testing::fixtures::{apns_token, fcm_token};
