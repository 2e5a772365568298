-- The whole product's schema. The SQLite migration beside this one has the same tables, columns
-- and meaning; a test compares the two. Ids are UUIDv7 text, times are UTC `timestamp`,
-- lists are JSON text (SQLite has no arrays).

CREATE TABLE clinics (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    contact_phone   TEXT,
    contact_email   TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('clinic_admin', 'clinician', 'patient')),
    status          TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled', 'erased')),
    password_hash   TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (clinic_id, email)
);
CREATE INDEX users_email ON users (email);

CREATE TABLE patient_profiles (
    user_id             TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    clinic_id           TEXT NOT NULL REFERENCES clinics (id),
    given_name          TEXT NOT NULL,
    family_name         TEXT,
    phone               TEXT,
    timezone            TEXT NOT NULL,
    locale              TEXT NOT NULL CHECK (locale IN ('en', 'es')),
    quiet_start         TEXT,
    quiet_end           TEXT,
    push_enabled        BOOLEAN NOT NULL,
    email_enabled       BOOLEAN NOT NULL,
    lock_screen_preview TEXT NOT NULL CHECK (lock_screen_preview IN ('private', 'full')),
    discharged_at       TIMESTAMP,
    erased_at           TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX patient_profiles_clinic ON patient_profiles (clinic_id);

-- One-time codes: account invitations and password resets. Only a hash of the code is stored.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    code_hash   TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX invitations_user ON invitations (user_id);

-- A login session (refresh-token family). Reuse of a spent refresh token revokes the session.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    revoked_reason  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Failed-login counters, shared by every API replica.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    window_start    TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);

CREATE TABLE treatments (
    id                  TEXT PRIMARY KEY,
    clinic_id           TEXT NOT NULL REFERENCES clinics (id),
    patient_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    performed_at        TIMESTAMP NOT NULL,
    areas               TEXT NOT NULL,
    needle_depth_mm     REAL NOT NULL,
    device              TEXT NOT NULL CHECK (device IN ('pen', 'roller', 'stamp')),
    combined_with       TEXT NOT NULL,
    session_number      INTEGER NOT NULL,
    planned_sessions    INTEGER NOT NULL,
    interval_weeks      INTEGER NOT NULL,
    contraindications   TEXT NOT NULL,
    override_reason     TEXT,
    notes               TEXT,
    protocol_version    TEXT NOT NULL,
    recorded_by         TEXT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX treatments_patient ON treatments (patient_id, performed_at);

-- The next booked session of a course; at most one live booking per patient.
CREATE TABLE session_bookings (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at       TIMESTAMP NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    cancelled_at    TIMESTAMP
);
CREATE UNIQUE INDEX session_bookings_live ON session_bookings (patient_id) WHERE cancelled_at IS NULL;

-- The outbox: every message the product will send, planned ahead. `due_at` is when it is meant
-- for (UTC); `available_at` is when a worker may next claim it (moves on retry backoff).
CREATE TABLE prompts (
    id                  TEXT PRIMARY KEY,
    clinic_id           TEXT NOT NULL REFERENCES clinics (id),
    patient_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    treatment_id        TEXT REFERENCES treatments (id) ON DELETE CASCADE,
    booking_id          TEXT REFERENCES session_bookings (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    prompt_key          TEXT NOT NULL,
    day                 INTEGER NOT NULL,
    urgent              BOOLEAN NOT NULL,
    idempotency_key     TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL,
    locale              TEXT NOT NULL,
    timezone            TEXT NOT NULL,
    local_date          TEXT NOT NULL,
    local_time          TEXT NOT NULL,
    due_at              TIMESTAMP NOT NULL,
    available_at        TIMESTAMP NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'acknowledged', 'cancelled', 'failed')),
    attempts            INTEGER NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    TIMESTAMP,
    channel             TEXT,
    last_error          TEXT,
    sent_at             TIMESTAMP,
    acknowledged_at     TIMESTAMP,
    cancelled_at        TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
-- The due scan touches only claimable rows, however many future ones exist.
CREATE INDEX prompts_pending ON prompts (available_at) WHERE status = 'scheduled';
CREATE INDEX prompts_leased ON prompts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX prompts_patient ON prompts (patient_id, due_at);

CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform        TEXT NOT NULL CHECK (platform IN ('ios', 'android')),
    token           TEXT NOT NULL UNIQUE,
    app_version     TEXT,
    active          BOOLEAN NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
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
CREATE INDEX delivery_attempts_prompt ON delivery_attempts (prompt_id);
CREATE INDEX delivery_attempts_at ON delivery_attempts (attempted_at);

CREATE TABLE check_ins (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    treatment_id    TEXT REFERENCES treatments (id) ON DELETE CASCADE,
    day             INTEGER,
    redness         INTEGER NOT NULL CHECK (redness BETWEEN 0 AND 10),
    swelling        INTEGER NOT NULL CHECK (swelling BETWEEN 0 AND 10),
    pain            INTEGER NOT NULL CHECK (pain BETWEEN 0 AND 10),
    peeling         BOOLEAN NOT NULL,
    symptoms        TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('none', 'routine', 'urgent')),
    escalated       BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX check_ins_patient ON check_ins (patient_id, created_at);

CREATE TABLE escalations (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    patient_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    check_in_id     TEXT REFERENCES check_ins (id) ON DELETE CASCADE,
    reason          TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('routine', 'urgent')),
    status          TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution_note TEXT,
    resolved_by     TEXT REFERENCES users (id),
    resolved_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX escalations_clinic ON escalations (clinic_id, status, created_at);

-- Who read or changed which patient's data. Holds ids and action names only, never content.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    clinic_id   TEXT NOT NULL REFERENCES clinics (id),
    actor_id    TEXT,
    action      TEXT NOT NULL,
    patient_id  TEXT,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_clinic ON audit_log (clinic_id, at);

-- Periodic jobs claim a period once across all workers (daily digest, pruning).
CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    period      TEXT NOT NULL,
    worker_id   TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (job, period)
);
