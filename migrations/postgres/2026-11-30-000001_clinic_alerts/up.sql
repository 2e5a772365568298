-- The clinic-alert outbox: one email round to the clinic's staff per urgent escalation, written
-- in the check-in's transaction and drained by the delivery worker (claim with a lease, commit,
-- send, record). `available_at` is when a worker may next claim it (moves on retry backoff).
CREATE TABLE clinic_alerts (
    id                  TEXT PRIMARY KEY,
    clinic_id           TEXT NOT NULL REFERENCES clinics (id),
    escalation_id       TEXT NOT NULL UNIQUE REFERENCES escalations (id) ON DELETE CASCADE,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts            INTEGER NOT NULL,
    available_at        TIMESTAMP NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    TIMESTAMP,
    last_error          TEXT,
    sent_at             TIMESTAMP,
    created_at          TIMESTAMP NOT NULL
);
-- The claim and the lease recovery touch only the rows they can act on.
CREATE INDEX clinic_alerts_pending ON clinic_alerts (available_at) WHERE status = 'pending';
CREATE INDEX clinic_alerts_leased ON clinic_alerts (lease_expires_at) WHERE status = 'sending';
