//! Whether an access token's login session is still live: what every request with a token is
//! checked against, so logout, a password reset, a revoked refresh family, a deactivation or the
//! erasure of the account end its access tokens at once rather than when they expire.

use crate::db::{Db, sessions};
use crate::domain::{SessionId, UserId};
use crate::error::{Error, Result};

/// What a 503 says when a session could not be checked: never the error's own text, which could
/// quote the database.
pub const SESSION_UNAVAILABLE: &str = "the session could not be checked";

/// The connection a [`run_in_session`] read runs on: the one the session was checked on.
pub use crate::db::DbConn;

/// Checks that `session_id` is `user_id`'s and neither revoked nor deleted (one primary-key
/// read, on the blocking pool).
///
/// Errors: `Unauthorized` (401) when it was revoked or deleted, or is another user's;
/// `Unavailable` (503, "the session could not be checked") when it could not be read or no
/// connection came free (logged).
pub async fn check_session(db: &Db, session_id: &SessionId, user_id: &UserId) -> Result<()> {
    let (session_id, user_id) = (session_id.clone(), user_id.clone());
    db.run(move |c| check_on(c, &session_id, &user_id))
        .await
        .map_err(unchecked)
}

/// Runs `read` on one connection checkout after checking the session there as
/// [`check_session`] does: one trip to the blocking pool for both, for the hot reads whose
/// handlers check their caller's session themselves (the API's `extract::Deferred`;
/// BENCHMARKS.md "One trip to the blocking pool per timeline read"). `read` runs only for a live
/// session.
///
/// Errors: `Unauthorized` (401) for a dead session; `Unavailable` (503) when the session could
/// not be read (logged) or no connection came free; whatever `read` returns.
pub async fn run_in_session<T, F>(
    db: &Db,
    session_id: &SessionId,
    user_id: &UserId,
    read: F,
) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
{
    let (session_id, user_id) = (session_id.clone(), user_id.clone());
    db.run(move |c| {
        check_on(c, &session_id, &user_id).map_err(unchecked)?;
        read(c)
    })
    .await
}

fn check_on(conn: &mut DbConn, session_id: &SessionId, user_id: &UserId) -> Result<()> {
    if sessions::is_live(conn, session_id, user_id)? {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// A dead session stays 401; any failure to look it up is the 503 every caller is told.
fn unchecked(e: Error) -> Error {
    match e {
        Error::Unauthorized => e,
        cause => {
            tracing::warn!(error = %cause, "session lookup failed");
            Error::Unavailable(SESSION_UNAVAILABLE.into())
        }
    }
}
