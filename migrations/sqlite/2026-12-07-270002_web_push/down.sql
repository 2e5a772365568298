DROP TABLE vapid_keys;
-- Leave only what the schema (and the binary) before Web Push can read: its channel enum has
-- no `webpush`, its platforms no `web`. A prompt delivered by Web Push keeps its status with no
-- channel recorded; the attempts and the browser devices go (the subscriptions cannot be sent
-- to without this migration anyway).
UPDATE prompts SET channel = NULL WHERE channel = 'webpush';
DELETE FROM delivery_attempts WHERE channel = 'webpush';
DELETE FROM devices WHERE provider = 'webpush' OR platform = 'web';
CREATE TABLE delivery_attempts_saved AS SELECT * FROM delivery_attempts;
DROP TABLE delivery_attempts;
CREATE TABLE devices_old (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform        TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
    token           TEXT NOT NULL UNIQUE,
    app_version     TEXT,
    active          BOOLEAN NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    provider        TEXT NOT NULL DEFAULT 'fcm' CHECK (provider IN ('fcm', 'apns')),
    apns_environment TEXT CHECK (apns_environment IN ('production', 'sandbox'))
);
INSERT INTO devices_old SELECT id, patient_id, platform, token, app_version, active, last_error,
    created_at, updated_at, provider, apns_environment FROM devices;
DROP TABLE devices;
ALTER TABLE devices_old RENAME TO devices;
CREATE INDEX devices_patient ON devices (patient_id);
CREATE TABLE delivery_attempts (
    id              TEXT PRIMARY KEY,
    prompt_id       TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    device_id       TEXT REFERENCES devices (id) ON DELETE SET NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('fcm', 'apns', 'email', 'log')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'invalid_token', 'failed')),
    status_code     INTEGER,
    error           TEXT,
    provider_id     TEXT,
    worker_id       TEXT NOT NULL,
    attempted_at    TIMESTAMP NOT NULL
);
INSERT INTO delivery_attempts SELECT * FROM delivery_attempts_saved;
DROP TABLE delivery_attempts_saved;
CREATE INDEX delivery_attempts_prompt ON delivery_attempts (prompt_id);
CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at);
