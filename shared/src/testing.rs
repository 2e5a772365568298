//! Throwaway databases for tests: each test gets its own SQLite file or its own PostgreSQL
//! database, dropped afterwards. Nothing is shared between tests and nothing is mocked.
//!
//! PostgreSQL comes from `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! used only to create and drop databases). When it is unreachable, PostgreSQL tests are skipped
//! with a note, unless `TEST_REQUIRE_POSTGRES=1` (CI), where they fail.

use std::path::PathBuf;

use diesel::prelude::*;
use diesel::sql_query;

use crate::db::{Backend, DatabaseUrl};

pub mod fixtures;
pub mod smtp;

pub fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_required() -> bool {
    std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

pub struct TestDatabase {
    pub url: DatabaseUrl,
    kind: Kind,
}

enum Kind {
    Sqlite(PathBuf),
    Postgres { name: String },
}

impl TestDatabase {
    /// A fresh database on `backend`, or `None` when PostgreSQL is unreachable and not required.
    pub fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres(),
        }
    }

    pub fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("aftercare-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let path = dir.join("test.db");
        Self {
            url: DatabaseUrl::Sqlite(path.to_string_lossy().into_owned()),
            kind: Kind::Sqlite(dir),
        }
    }

    pub fn postgres() -> Option<Self> {
        let admin = admin_url();
        let mut conn = match PgConnection::establish(&admin) {
            Ok(c) => c,
            Err(e) if postgres_required() => {
                panic!("TEST_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {e}")
            }
            Err(_) => {
                eprintln!(
                    "note: PostgreSQL unreachable at TEST_POSTGRES_URL; skipping the PostgreSQL run"
                );
                return None;
            }
        };
        let name = format!("aftercare_test_{}", uuid::Uuid::new_v4().simple());
        sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("creating test database: {e}"));
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        Some(Self {
            url: DatabaseUrl::Postgres(format!("{base}/{name}")),
            kind: Kind::Postgres { name },
        })
    }

    /// The URL as `DATABASE_URL` would spell it.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => format!("sqlite://{p}"),
        }
    }
}

impl TestDatabase {
    /// Takes the database away from under whoever uses it, to test what they report: a
    /// PostgreSQL database is dropped (its connections are cut, reconnecting fails); a SQLite
    /// file cannot be taken from open connections, so its tables are dropped instead (every
    /// query then fails, and the migrations count as not applied).
    pub fn destroy(&self) {
        match &self.kind {
            Kind::Postgres { name } => {
                let mut conn = PgConnection::establish(&admin_url())
                    .unwrap_or_else(|e| panic!("connecting to drop {name}: {e}"));
                sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .unwrap_or_else(|e| panic!("dropping {name}: {e}"));
            }
            Kind::Sqlite(_) => {
                use diesel::connection::SimpleConnection;
                let DatabaseUrl::Sqlite(path) = &self.url else {
                    return;
                };
                let mut conn = SqliteConnection::establish(path)
                    .unwrap_or_else(|e| panic!("opening {path}: {e}"));
                let tables: Vec<String> = sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .load::<TableName>(&mut conn)
                .unwrap_or_else(|e| panic!("listing tables: {e}"))
                .into_iter()
                .map(|t| t.name)
                .collect();
                let mut drop = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = OFF;".to_owned();
                for table in tables {
                    drop.push_str(&format!(" DROP TABLE \"{table}\";"));
                }
                conn.batch_execute(&drop)
                    .unwrap_or_else(|e| panic!("dropping tables: {e}"));
            }
        }
    }
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Kind::Postgres { name } => {
                if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
                    let _ = sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn);
                }
            }
        }
    }
}

/// Runs each test body twice, as the tests `NAME::sqlite` and `NAME::postgres`, each with a fresh
/// fixture from `spawn`.
///
/// `spawn` is an async function (or closure) from [`Backend`] to `Option<Fixture>`, which it
/// builds on a [`TestDatabase::new`]; each body binds its fixture with a pattern. `None` is
/// allowed only for PostgreSQL: it is unreachable and `TEST_REQUIRE_POSTGRES` is not `1`, so that
/// test is skipped with the note [`TestDatabase::postgres`] printed. The calling crate needs
/// `tokio` with the `macros` and `rt-multi-thread` features.
///
/// ```ignore
/// shared::both_backends! {
///     spawn = crate::helpers::TestApp::spawn;
///     async fn healthz_answers(app) { ... }
/// }
/// shared::both_backends! {
///     spawn = crate::auth_support::spawn_with_smtp;
///     async fn invitation_is_emailed((app, smtp)) { ... }
/// }
/// ```
#[macro_export]
macro_rules! both_backends {
    (spawn = $spawn:expr; $(async fn $name:ident($fixture:pat) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(unused_mut)]
            async fn run(backend: $crate::db::Backend) {
                let Some($fixture) = ($spawn)(backend).await else {
                    assert_eq!(
                        backend,
                        $crate::db::Backend::Postgres,
                        "only a PostgreSQL fixture may be unavailable"
                    );
                    return;
                };
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::db::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::db::Backend::Postgres).await;
            }
        }
    )*};
}
