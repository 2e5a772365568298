use std::fmt;

/// Which database the service talks to, chosen by the URL scheme and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// A parsed `DATABASE_URL`. Unknown schemes are rejected: a typo must never silently create an
/// empty SQLite file somewhere.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The full `postgres://` URL, handed to libpq.
    Postgres(String),
    /// The SQLite file path (or `:memory:`), without the `sqlite://` prefix.
    Sqlite(String),
}

impl fmt::Debug for DatabaseUrl {
    // The PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(_) => f.write_str("Postgres(<redacted>)"),
            DatabaseUrl::Sqlite(path) => write!(f, "Sqlite({path:?})"),
        }
    }
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://aftercare.db".into());
            }
            return Ok(DatabaseUrl::Sqlite(path.to_owned()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let rest = raw.split_once("://").map(|(_, r)| r).unwrap_or_default();
            if rest.is_empty() || rest.starts_with('/') && rest.len() == 1 {
                return Err("postgres:// URL needs a host or database".into());
            }
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        let scheme = raw.split_once("://").map(|(s, _)| s).unwrap_or(raw);
        Err(format!(
            "unsupported scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
        ))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://aftercare.db"),
            Ok(DatabaseUrl::Sqlite("aftercare.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/a.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/a.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
    }

    #[test]
    fn unknown_or_empty_urls_are_rejected() {
        for bad in [
            "mysql://x",
            "sqlit://a.db",
            "aftercare.db",
            "",
            "sqlite://",
            "postgres://",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn debug_never_prints_a_postgres_password() {
        let url = DatabaseUrl::parse("postgres://u:secret@h/db").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{url:?}").contains("secret"));
    }
}
