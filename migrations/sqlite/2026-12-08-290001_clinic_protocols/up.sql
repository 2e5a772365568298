-- Each clinic's own aftercare: versions of the protocol a clinic edits, and the pre-visit
-- screenings patients answer the day before a booked session.
--
-- A clinic's protocol versions. `version` counts from 1 per clinic, in order of creation;
-- `status` is `draft` (editable), `published` (immutable; at most one per clinic, the one new
-- treatments are planned with) or `retired` (a published version another one replaced);
-- `based_on` is `default` (the product's protocol) or the id of the version it was copied from;
-- `document` is the version's JSON document (docs/CONTRACT.md `GET /v1/clinic/protocols/{id}`);
-- `default_version` the product protocol's version it was made against.
CREATE TABLE clinic_protocols (
    id              TEXT PRIMARY KEY,
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    based_on        TEXT NOT NULL,
    default_version TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_by      TEXT NOT NULL REFERENCES users (id),
    updated_at      TIMESTAMP NOT NULL,
    published_by    TEXT REFERENCES users (id),
    published_at    TIMESTAMP,
    UNIQUE (clinic_id, version)
);
CREATE UNIQUE INDEX clinic_protocols_published ON clinic_protocols (clinic_id) WHERE status = 'published';

-- Every change to a clinic's protocol, with the document before and after (`before` NULL for a
-- new draft; both the same for a publish or a re-plan of current patients). The audit log
-- (`protocol.*` actions) names the change; this table holds what changed.
CREATE TABLE clinic_protocol_edits (
    id              TEXT PRIMARY KEY,
    protocol_id     TEXT NOT NULL REFERENCES clinic_protocols (id),
    clinic_id       TEXT NOT NULL REFERENCES clinics (id),
    actor_id        TEXT NOT NULL REFERENCES users (id),
    action          TEXT NOT NULL CHECK (action IN ('create', 'update', 'publish', 'replan')),
    before          TEXT,
    after           TEXT NOT NULL,
    at              TIMESTAMP NOT NULL
);
CREATE INDEX clinic_protocol_edits_protocol ON clinic_protocol_edits (protocol_id, at);

-- The clinic protocol version a treatment was planned with (NULL: the product's default, whose
-- version `protocol_version` names).
ALTER TABLE treatments ADD COLUMN protocol_id TEXT REFERENCES clinic_protocols (id);

-- A patient's answers before a booked session: the contraindication codes they reported
-- (JSON array, docs/CONTRACT.md codes) and an optional note. `flagged` when any code was
-- reported: the clinic sees the flag on the booking until the session.
CREATE TABLE screenings (
    id                  TEXT PRIMARY KEY,
    clinic_id           TEXT NOT NULL REFERENCES clinics (id),
    patient_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    booking_id          TEXT NOT NULL REFERENCES session_bookings (id) ON DELETE CASCADE,
    contraindications   TEXT NOT NULL,
    notes               TEXT,
    flagged             BOOLEAN NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX screenings_booking ON screenings (booking_id, created_at);
CREATE INDEX screenings_patient ON screenings (patient_id, created_at);
