-- SMS as a channel, with consent, and the delivery ladder for important prompts.
--
-- A patient's own switch for texts (`channels.sms`): on by default, effective only with a
-- granted consent in force and a phone that is a valid E.164 number.
ALTER TABLE patient_profiles ADD COLUMN sms_enabled BOOLEAN NOT NULL DEFAULT TRUE;
-- Important prompts (warning signs, the day-5 check, "your clinic has been told", the day-before
-- session reminder) climb the ladder when not acknowledged within `ack_window_secs` of a send.
ALTER TABLE prompts ADD COLUMN important BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE prompts ADD COLUMN ack_window_secs INTEGER;

-- Texts are attempts of channel `sms`; one is written `pending` before the provider is called
-- (a text cannot be taken back, so a crash between the call and its record must not send it
-- twice) and completed after. `receipt` is the provider's latest delivery status for it.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing points at it).
CREATE TABLE delivery_attempts_new (
    id              TEXT PRIMARY KEY,
    prompt_id       TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    device_id       TEXT REFERENCES devices (id) ON DELETE SET NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('fcm', 'apns', 'webpush', 'sms', 'email', 'log')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('pending', 'sent', 'retry', 'invalid_token', 'failed')),
    status_code     INTEGER,
    error           TEXT,
    provider_id     TEXT,
    worker_id       TEXT NOT NULL,
    attempted_at    TIMESTAMP NOT NULL,
    receipt         TEXT CHECK (receipt IN ('queued', 'sent', 'delivered', 'undelivered', 'failed')),
    receipt_at      TIMESTAMP
);
INSERT INTO delivery_attempts_new (id, prompt_id, device_id, channel, outcome, status_code,
                                   error, provider_id, worker_id, attempted_at)
SELECT id, prompt_id, device_id, channel, outcome, status_code, error,
       provider_id, worker_id, attempted_at
FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_new RENAME TO delivery_attempts;
CREATE INDEX delivery_attempts_prompt ON delivery_attempts (prompt_id);
CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at);
CREATE INDEX delivery_attempts_sms ON delivery_attempts (provider_id) WHERE channel = 'sms';

-- Consent to text messages (SMS): one row per grant or withdrawal, the newest the one in force.
-- No text is sent without a granted consent in force. `source` is who gave it (the clinic at
-- enrolment with the patient present, or the patient), `method` where it was recorded (`api`,
-- `console`, `app`, or `keyword`: a STOP/START text from the patient's phone), `text_version`
-- the version of the consent wording the patient agreed to, `phone` the number it was given for.
CREATE TABLE sms_consents (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted         BOOLEAN NOT NULL,
    text_version    TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('clinic', 'patient')),
    method          TEXT NOT NULL CHECK (method IN ('api', 'console', 'app', 'keyword')),
    recorded_by     TEXT,
    phone           TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX sms_consents_patient ON sms_consents (patient_id, created_at);

-- Texts received from patients' phones through the provider's inbound callback, one row per
-- message and patient whose number it came from (`patient_id` NULL when no patient has it).
-- `provider_id` is the provider's message id (Twilio `MessageSid`): a callback naming one
-- already recorded is a replay and records nothing. `keyword` is the STOP/START/HELP family
-- the text was (NULL for any other text, which the clinic sees on the patient record);
-- `replied` says whether the automatic answer went with the callback's reply.
CREATE TABLE sms_inbound (
    id              TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL,
    from_phone      TEXT NOT NULL,
    to_phone        TEXT NOT NULL,
    body            TEXT NOT NULL,
    keyword         TEXT CHECK (keyword IN ('stop', 'start', 'help')),
    clinic_id       TEXT REFERENCES clinics (id),
    patient_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    replied         BOOLEAN NOT NULL,
    received_at     TIMESTAMP NOT NULL
);
CREATE INDEX sms_inbound_provider ON sms_inbound (provider_id);
CREATE INDEX sms_inbound_patient ON sms_inbound (patient_id, received_at);
CREATE INDEX sms_inbound_from ON sms_inbound (from_phone, received_at);

-- Delivery receipts from the provider's status callback, one per message and status: the same
-- pair again is a replay and records nothing. The newest is also kept on the attempt
-- (`delivery_attempts.receipt`).
CREATE TABLE sms_status_events (
    provider_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    error_code      TEXT,
    received_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (provider_id, status)
);

-- The delivery ladder's outbox: an important prompt sent on one channel and not acknowledged
-- within its window (`prompts.ack_window_secs`) is sent again on the next channel available
-- (push → SMS → email). One row per prompt, written in the transaction that records the
-- prompt's send; `rung` is the ladder step it will try next (0 push, 1 SMS, 2 email);
-- `available_at` the end of the window (moved to the end of quiet hours for a prompt that is
-- not urgent). Drained as every outbox is (claim with a lease, commit, send, record).
CREATE TABLE prompt_follow_ups (
    id                  TEXT PRIMARY KEY,
    prompt_id           TEXT NOT NULL UNIQUE REFERENCES prompts (id) ON DELETE CASCADE,
    rung                INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts            INTEGER NOT NULL,
    available_at        TIMESTAMP NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    TIMESTAMP,
    last_error          TEXT,
    sent_at             TIMESTAMP,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX prompt_follow_ups_pending ON prompt_follow_ups (available_at) WHERE status = 'pending';
CREATE INDEX prompt_follow_ups_leased ON prompt_follow_ups (lease_expires_at) WHERE status = 'sending';
