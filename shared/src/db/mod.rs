//! Database access: one diesel `MultiConnection` over PostgreSQL and SQLite, a pool, embedded
//! migrations, and the queries grouped by aggregate.
//!
//! Queries take `&mut DbConn` so they compose inside one transaction; only the use cases
//! (`crate::care`) call them, through [`Db::run`] and [`Db::transaction`], which move the
//! blocking diesel work off the async executor. The database layer stores and never plans: it
//! imports nothing of `crate::protocol` (`api/tests/api/architecture.rs` holds both rules).

pub mod alerts;
pub mod audit;
pub mod bookings;
pub mod check_ins;
pub mod clinics;
pub mod console_sessions;
pub mod deliveries;
pub mod delivery_log;
pub mod devices;
pub mod escalations;
pub mod follow_ups;
pub mod gauges;
pub mod invitations;
pub mod jobs;
pub mod migrate;
pub mod notify;
pub mod outbox;
pub mod patients;
pub mod plans;
pub mod prompts;
pub mod protocols;
pub mod quotas;
mod raw;
pub mod roster;
pub mod schema;
pub mod screenings;
pub mod sessions;
pub mod sign_in_codes;
pub mod sms;
pub mod sms_sends;
pub mod throttle;
pub mod treatments;
pub mod types;
mod url;
pub mod users;
pub mod vapid;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use tokio::sync::Semaphore;

pub use self::url::{Backend, DatabaseUrl};
use crate::error::Error;

/// A connection to whichever backend the configured URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs a diesel query on the backend's own connection instead of through the multi-backend
/// wrapper, for the hot reads: the same SQL and result, without the wrapper's cost of building
/// the statement's SQL text afresh on every call (it walks the query through the inner backend
/// to collect its binds, even when the prepared statement is then found in diesel's statement
/// cache by the query's type). `$body` is written once and compiled for each backend.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections for the pool: the backend comes from the URL scheme alone, and every new
/// SQLite connection gets the pragmas the service relies on (WAL, busy timeout, foreign keys).
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

// `secure_delete`: an erased patient's old rows are overwritten with zeros when their pages
// are freed, not left readable in the file.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection whose transaction was left open or broken (a panic mid-transaction, a
    /// failed rollback) is dropped instead of going back to the pool, as diesel's own manager
    /// does.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// The connection pool, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<DbManager>,
    /// One permit per pooled connection, handed out first come, first served: [`Db::run`] waits
    /// for one on the async side, so requests get connections in arrival order (r2d2's own wait
    /// is not fair) and no more blocking threads are parked than there are connections.
    permits: Arc<Semaphore>,
    /// How long [`Db::run`] waits for a connection, queueing included, before it answers
    /// [`Error::Unavailable`].
    wait: Duration,
    backend: Backend,
}

/// How long a caller waits for a pooled connection before giving up with
/// [`Error::Unavailable`] (503): the pool's own checkout timeout, and [`Db::run`]'s whole budget
/// (queueing for a permit plus the checkout).
pub const CONNECTION_WAIT: Duration = Duration::from_secs(10);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("DATABASE_URL: cannot open the database: {0}")]
pub struct ConnectError(String);

impl Db {
    /// Opens one connection to prove the URL works (failing fast, in one line), then builds
    /// the pool.
    pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<Self, ConnectError> {
        if let DatabaseUrl::Sqlite(path) = url {
            ensure_parent_dir(path).map_err(ConnectError)?;
        }
        let manager = DbManager { url: url.clone() };
        let first = manager
            .connect()
            .map_err(|e| ConnectError(one_line(&e.to_string())))?;
        drop(first);
        let pool = Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            // No `SELECT 1` on every checkout (a round trip per query on a busy worker): a
            // connection that breaks fails its query, and `has_broken` drops it.
            .test_on_check_out(false)
            .connection_timeout(CONNECTION_WAIT)
            .error_handler(Box::new(LogErrors))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            permits: Arc::new(Semaphore::new(max_size.max(1) as usize)),
            wait: CONNECTION_WAIT,
            backend: url.backend(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection, for blocking contexts (CLI, worker threads, tests).
    pub fn get(&self) -> Result<PooledConnection<DbManager>, Error> {
        self.pool.get().map_err(Error::from)
    }

    /// The same pool with another connection wait than [`CONNECTION_WAIT`] (tests use a short
    /// one).
    pub fn with_connection_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Runs blocking database work on the blocking thread pool, once a connection is free
    /// (callers are served in arrival order). The permit travels with the work, so a caller that
    /// goes away (a client hanging up) frees it only when the work is done.
    ///
    /// Errors: [`Error::Unavailable`] when no connection came free within the connection wait
    /// (queueing and checkout together, give or take a blocking thread's start and a 100 ms
    /// floor for the checkout; the database may be down or saturated), whatever `f` returns
    /// otherwise.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        let started = tokio::time::Instant::now();
        // A wait too long to add up (`Duration::MAX`) is a day: longer than any caller waits.
        let deadline = started
            .checked_add(self.wait)
            .unwrap_or(started + Duration::from_secs(86_400));
        let permit = tokio::time::timeout_at(deadline, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                Error::Unavailable(format!(
                    "no database connection came free within {} s",
                    self.wait.as_secs_f64()
                ))
            })?
            .map_err(|e| Error::Internal(anyhow::anyhow!("database permits closed: {e}")))?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // What is left of the budget, at least a moment: a free permit means a connection is
            // idle or can be opened.
            let left = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .max(Duration::from_millis(100));
            let mut conn = pool.get_timeout(left).map_err(Error::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Like [`Db::run`], inside one write transaction ([`write_transaction`]).
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }
}

/// Runs `f` in a transaction that may write. On SQLite it starts with `BEGIN IMMEDIATE`: a
/// deferred transaction that reads first and then writes cannot wait for the write lock (SQLite
/// answers "database is locked" at once, the busy timeout notwithstanding, because waiting
/// could deadlock), while an immediate one waits for it up to the busy timeout. Errors: those
/// of `f`; a lock still held after the busy timeout is [`Error::Unavailable`].
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> Result<T, Error>
where
    F: FnOnce(&mut DbConn) -> Result<T, Error>,
{
    use diesel::connection::TransactionManager;
    type Manager = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Pg(_) => return conn.transaction(f),
        DbConn::Sqlite(lite) => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                lite,
                "BEGIN IMMEDIATE",
            )?;
        }
    }
    // The rest is diesel's own `transaction`, for the connection the transaction was begun on.
    match f(conn) {
        Ok(value) => {
            <Manager as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match <Manager as TransactionManager<DbConn>>::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Pool errors (a lost server) go to the log, in one line.
#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<r2d2::Error> for LogErrors {
    fn handle_error(&self, error: r2d2::Error) {
        tracing::warn!(error = %one_line(&error.to_string()), "database connection failed");
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ensure_parent_dir(path: &str) -> Result<(), String> {
    if path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Identifiers are UUIDv7 text: opaque to clients, time-ordered for index locality.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
