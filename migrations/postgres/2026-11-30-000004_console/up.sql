-- The clinic console's browser sessions (issue 12). Each belongs to a login session (`sessions`),
-- so signing out, a password reset or any revocation of that session ends the console's too.
-- Only a SHA-256 hash of the cookie's secret is stored; the CSRF token is derived from the
-- secret, so it needs no column.
CREATE TABLE console_sessions (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_session ON console_sessions (session_id);
