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
    // The PostgreSQL URL may carry a password: print it with the password replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(url) => write!(f, "Postgres({:?})", without_password(url)),
            DatabaseUrl::Sqlite(path) => write!(f, "Sqlite({path:?})"),
        }
    }
}

/// `url` with the password of its user part (`user:PASSWORD@`) and any `password=` query
/// parameter (libpq accepts both, RFC 3986 §3.2.1 and libpq "Connection URIs") replaced by
/// `[redacted]`. Errs towards hiding: everything between the user name and the last `@` goes.
fn without_password(url: &str) -> String {
    const REDACTED: &str = "[redacted]";
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let mut out = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    let after_user = match rest.rfind('@') {
        Some(at) => {
            let user = &rest[..at];
            match user.split_once(':') {
                Some((name, _)) => out.push_str(&format!("{name}:{REDACTED}@")),
                None => out.push_str(&format!("{user}@")),
            }
            &rest[at + 1..]
        }
        None => rest,
    };
    let (location, query) = match after_user.split_once('?') {
        Some((location, query)) => (location, Some(query)),
        None => (after_user, None),
    };
    out.push_str(location);
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                    format!("{key}={REDACTED}")
                }
                _ => param.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
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
        for (raw, shown) in [
            (
                "postgres://u:secret@h/db",
                r#"Postgres("postgres://u:[redacted]@h/db")"#,
            ),
            (
                "postgresql://u:se@c/r?et@h:5432/db?sslmode=require",
                r#"Postgres("postgresql://u:[redacted]@h:5432/db?sslmode=require")"#,
            ),
            (
                "postgres://h/db?user=u&password=secret&sslmode=require",
                r#"Postgres("postgres://h/db?user=u&password=[redacted]&sslmode=require")"#,
            ),
            ("postgres://u@h/db", r#"Postgres("postgres://u@h/db")"#),
        ] {
            let url = DatabaseUrl::parse(raw).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(format!("{url:?}"), shown);
        }
    }
}
