-- Web Push (RFC 8030) as a third push provider: a browser's subscription is a device of
-- platform `web` and provider `webpush`. Its endpoint URL is the device's `token` (unique as
-- every token); the subscription's keys (RFC 8291: the user agent's P-256 public key and the
-- 16-byte authentication secret, base64url) are new nullable columns. Deliveries to it are of
-- channel `webpush`.
--
-- SQLite cannot change a CHECK constraint in place: both tables are rebuilt. The migration runs
-- in a transaction with foreign keys on, so dropping `devices` while `delivery_attempts` points
-- at it would null every attempt's `device_id` (its ON DELETE SET NULL): the attempts are moved
-- aside first and put back once `devices` is rebuilt.
CREATE TABLE delivery_attempts_saved AS SELECT * FROM delivery_attempts;
DROP TABLE delivery_attempts;

CREATE TABLE devices_new (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform        TEXT NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
    token           TEXT NOT NULL UNIQUE,
    app_version     TEXT,
    active          BOOLEAN NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    provider        TEXT NOT NULL DEFAULT 'fcm' CHECK (provider IN ('fcm', 'apns', 'webpush')),
    apns_environment TEXT CHECK (apns_environment IN ('production', 'sandbox')),
    webpush_p256dh  TEXT,
    webpush_auth    TEXT
);
INSERT INTO devices_new (id, patient_id, platform, token, app_version, active, last_error,
                         created_at, updated_at, provider, apns_environment)
SELECT id, patient_id, platform, token, app_version, active, last_error,
       created_at, updated_at, provider, apns_environment
FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE INDEX devices_patient ON devices (patient_id);

CREATE TABLE delivery_attempts (
    id              TEXT PRIMARY KEY,
    prompt_id       TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    device_id       TEXT REFERENCES devices (id) ON DELETE SET NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('fcm', 'apns', 'webpush', 'email', 'log')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'invalid_token', 'failed')),
    status_code     INTEGER,
    error           TEXT,
    provider_id     TEXT,
    worker_id       TEXT NOT NULL,
    attempted_at    TIMESTAMP NOT NULL
);
INSERT INTO delivery_attempts (id, prompt_id, device_id, channel, outcome, status_code, error,
                               provider_id, worker_id, attempted_at)
SELECT id, prompt_id, device_id, channel, outcome, status_code, error,
       provider_id, worker_id, attempted_at
FROM delivery_attempts_saved;
DROP TABLE delivery_attempts_saved;
CREATE INDEX delivery_attempts_prompt ON delivery_attempts (prompt_id);
CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at);

-- The VAPID key pair (RFC 8292) generated at first start on the embedded default when no key is
-- configured, so the API (which hands out the public key) and the delivery loop (which signs
-- with the private one) agree and a restart keeps it. One row at most.
CREATE TABLE vapid_keys (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    private_key     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
