//! The one error type of the service. The API maps it to `application/problem+json`; only the
//! variants meant for clients carry text that reaches them, internals are logged, never returned.

use serde::Serialize;

/// One field's validation failure, as returned in a 422's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database is out of reach (pool exhausted or server down): retryable.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {}", with_causes(.0))]
    Database(diesel::result::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    /// Whether this is a unique-constraint violation (a concurrent duplicate insert).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Error::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl From<diesel::result::Error> for Error {
    /// A SQLite lock still held after the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED`) is a
    /// busy database, not a fault: `Unavailable`, so the client is told to retry.
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Error::NotFound,
            diesel::result::Error::DatabaseError(_, info) if is_busy(info.message()) => {
                Error::Unavailable(info.message().to_owned())
            }
            other => Error::Database(other),
        }
    }
}

/// SQLite's texts for `SQLITE_BUSY` and `SQLITE_LOCKED` (diesel reports both as an unknown
/// database error, with this message).
fn is_busy(message: &str) -> bool {
    message.starts_with("database is locked")
        || message.starts_with("database table is locked")
        || message.starts_with("database schema is locked")
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Error::Unavailable(e.to_string())
    }
}

/// Diesel keeps the detail of a failed row in the causes (the field error names only the field),
/// so the one log line of an internal error spells out the whole chain.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as Diesel};

    use super::Error;

    fn db_error(message: &str) -> Error {
        Error::from(Diesel::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn a_busy_sqlite_database_is_unavailable_not_a_fault() {
        assert!(matches!(
            db_error("database is locked"),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            db_error("database table is locked: prompts"),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            db_error("no such table: prompts"),
            Error::Database(_)
        ));
    }
}
