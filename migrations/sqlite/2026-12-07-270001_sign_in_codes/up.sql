-- One-time sign-in codes (POST /v1/auth/sign-in-codes): 6 digits, 15 minutes, single use. Only a
-- salted hash of the code is stored (SHA-256 of the row id, ':' and the code), never the code.
-- A new request revokes the account's unused codes; 5 wrong attempts revoke a code.
CREATE TABLE sign_in_codes (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash        TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    used_at          TIMESTAMP,
    revoked_at       TIMESTAMP,
    failed_attempts  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_codes_user ON sign_in_codes (user_id);
