-- Leave only what the schema before SMS can read: texts and their records go, prompts sent by
-- text keep their status with no channel recorded, pending attempts become failed ones.
DROP TABLE prompt_follow_ups;
DROP TABLE sms_status_events;
DROP TABLE sms_inbound;
DROP TABLE sms_consents;
UPDATE prompts SET channel = NULL WHERE channel = 'sms';
CREATE TABLE delivery_attempts_old (
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
INSERT INTO delivery_attempts_old (id, prompt_id, device_id, channel, outcome, status_code,
                                   error, provider_id, worker_id, attempted_at)
SELECT id, prompt_id, device_id, channel,
       CASE outcome WHEN 'pending' THEN 'failed' ELSE outcome END,
       status_code, error, provider_id, worker_id, attempted_at
FROM delivery_attempts WHERE channel <> 'sms';
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_old RENAME TO delivery_attempts;
CREATE INDEX delivery_attempts_prompt ON delivery_attempts (prompt_id);
CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at);
ALTER TABLE prompts DROP COLUMN ack_window_secs;
ALTER TABLE prompts DROP COLUMN important;
ALTER TABLE patient_profiles DROP COLUMN sms_enabled;
