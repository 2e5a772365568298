-- The delivery write set beside many future prompts, in three table layouts (PostgreSQL only).
--
--   createdb layout && psql -X -q -d layout -v future=20000000 -f worker/benches/queue_layout.sql
--
-- Run it in a throwaway database: it creates its own tables and leaves them (over 10 GB with 20
-- million future rows). `future` is the number of future prompts beside the 50,000 due ones (0
-- for the baseline). Server-side procedures drain the due rows in batches of 1,000, committing
-- each step as the worker does (the claim; then the resolve with the attempt rows), with no
-- client round trips, so the figures compare layouts, not drivers:
--
-- - `current`: the product's schema today. The claim and the resolve are both updates of the
--   wide `prompts` row, and both are non-HOT because the partial indexes `prompts_pending` and
--   `prompts_leased` name `status`: each writes entries into every index of the table.
-- - `queue`: the deliverable prompts also listed in a narrow `q_queue` (id, available_at,
--   lease) that the claim updates and the resolve deletes from; `prompts` has no index naming
--   `status` and a fillfactor of 90 (`-v fillfactor=N`), so its one update per prompt (to
--   `sent`) can be HOT where the page has room.
-- - `inline`: `current` with the send recorded on the prompt row (migration
--   `2026-12-08-300001_prompt_sent_inline`: `sent_device_id`, `sent_provider_id`,
--   `sent_status_code`, `sent_worker_id`), as the product records a first-try delivery on one
--   device: the resolve is the one update, with no attempt row.
--
-- Prints, per layout: prompts/s, WAL bytes per prompt, and how many of the `prompts` updates
-- were HOT.

\set ON_ERROR_STOP on
\if :{?future}
\else
  \set future 0
\endif
\if :{?fillfactor}
\else
  \set fillfactor 90
\endif
-- `-v drain=off` stops after the fill; `-v fill=off` drains what an earlier fill left.
\if :{?fill}
\else
  \set fill on
\endif
\if :{?drain}
\else
  \set drain on
\endif
\set due 50000
\set batch 1000

SET client_min_messages = warning;
\if :fill
DROP TABLE IF EXISTS c_attempts, c_prompts, q_attempts, q_queue, q_prompts, i_attempts,
    i_prompts;

-- The columns of `prompts` (migrations/postgres/*_init), without the foreign keys. Keys and
-- indexes are added after the future rows are in (built once, not row by row).
CREATE TABLE c_prompts (
    id TEXT NOT NULL, clinic_id TEXT NOT NULL, patient_id TEXT NOT NULL, treatment_id TEXT,
    booking_id TEXT, kind TEXT NOT NULL, prompt_key TEXT NOT NULL, day INTEGER NOT NULL,
    urgent BOOLEAN NOT NULL, idempotency_key TEXT NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, locale TEXT NOT NULL, timezone TEXT NOT NULL, local_date TEXT NOT NULL,
    local_time TEXT NOT NULL, due_at TIMESTAMP NOT NULL, available_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL, lease_owner TEXT,
    lease_expires_at TIMESTAMP, channel TEXT, last_error TEXT, sent_at TIMESTAMP,
    acknowledged_at TIMESTAMP, cancelled_at TIMESTAMP, created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE c_attempts (
    id TEXT PRIMARY KEY, prompt_id TEXT NOT NULL, device_id TEXT, channel TEXT NOT NULL,
    outcome TEXT NOT NULL, status_code INTEGER, error TEXT, provider_id TEXT,
    worker_id TEXT NOT NULL, attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX c_attempts_prompt ON c_attempts (prompt_id);
CREATE INDEX c_attempts_at ON c_attempts (attempted_at);
CREATE TABLE q_prompts (LIKE c_prompts) WITH (fillfactor = :fillfactor);
CREATE TABLE q_queue (
    prompt_id TEXT NOT NULL, available_at TIMESTAMP NOT NULL, lease_owner TEXT,
    lease_expires_at TIMESTAMP
);
CREATE TABLE q_attempts (LIKE c_attempts INCLUDING ALL);
CREATE TABLE i_prompts (LIKE c_prompts);
ALTER TABLE i_prompts ADD COLUMN sent_device_id TEXT, ADD COLUMN sent_provider_id TEXT,
    ADD COLUMN sent_status_code INTEGER, ADD COLUMN sent_worker_id TEXT;
CREATE TABLE i_attempts (LIKE c_attempts INCLUDING ALL);

-- Prompts `g` in [lo, hi), available at `at` plus g seconds modulo `spread` (the bench's fill:
-- one patient, short texts).
CREATE OR REPLACE PROCEDURE fill(tbl TEXT, prefix TEXT, lo BIGINT, hi BIGINT, at TIMESTAMP,
                                 spread BIGINT)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I SELECT %L || g, ''clinic'', ''patient'', NULL, NULL, ''aftercare'', ''k'', 1, '
        'false, %L || g, ''t'', ''b'', ''en'', ''Europe/Madrid'', ''2026-01-01'', ''09:00'', '
        '$1 + (g %% $4) * interval ''1 second'', $1 + (g %% $4) * interval ''1 second'', '
        '''scheduled'', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, $1, $1 '
        'FROM generate_series($2, $3 - 1) AS g', tbl, prefix, prefix)
    USING at, lo, hi, spread;
END $$;

CREATE OR REPLACE PROCEDURE drain_current(batch INT)
LANGUAGE plpgsql AS $$
DECLARE ids TEXT[];
BEGIN
    LOOP
        WITH c AS (
            UPDATE c_prompts SET status = 'sending', lease_owner = 'raw',
                lease_expires_at = localtimestamp + interval '2 minutes', updated_at = localtimestamp
            WHERE id IN (SELECT id FROM c_prompts WHERE status = 'scheduled'
                         AND available_at <= localtimestamp ORDER BY available_at LIMIT batch
                         FOR UPDATE SKIP LOCKED)
            RETURNING *)
        SELECT array_agg(id) INTO ids FROM c;
        COMMIT;
        EXIT WHEN ids IS NULL;
        UPDATE c_prompts SET status = 'sent', channel = 'fcm', sent_at = localtimestamp,
            last_error = NULL, attempts = attempts + 1, lease_owner = NULL,
            lease_expires_at = NULL, updated_at = localtimestamp
        FROM unnest(ids) AS v(id) WHERE c_prompts.id = v.id AND c_prompts.lease_owner = 'raw';
        INSERT INTO c_attempts SELECT 'a' || v.id, v.id, NULL, 'fcm', 'sent', 200, NULL,
            'projects/bench/messages/1', 'raw', localtimestamp FROM unnest(ids) AS v(id);
        COMMIT;
    END LOOP;
END $$;

-- `current` with the send on the row: one update per batch, no attempt row (every send is a
-- first-try success on one device here).
CREATE OR REPLACE PROCEDURE drain_inline(batch INT)
LANGUAGE plpgsql AS $$
DECLARE ids TEXT[];
BEGIN
    LOOP
        WITH c AS (
            UPDATE i_prompts SET status = 'sending', lease_owner = 'raw',
                lease_expires_at = localtimestamp + interval '2 minutes', updated_at = localtimestamp
            WHERE id IN (SELECT id FROM i_prompts WHERE status = 'scheduled'
                         AND available_at <= localtimestamp ORDER BY available_at LIMIT batch
                         FOR UPDATE SKIP LOCKED)
            RETURNING *)
        SELECT array_agg(id) INTO ids FROM c;
        COMMIT;
        EXIT WHEN ids IS NULL;
        UPDATE i_prompts SET status = 'sent', channel = 'fcm', sent_at = localtimestamp,
            sent_device_id = 'device-' || v.id, sent_provider_id = 'projects/bench/messages/1',
            sent_status_code = 200, sent_worker_id = 'raw',
            last_error = NULL, attempts = attempts + 1, lease_owner = NULL,
            lease_expires_at = NULL, updated_at = localtimestamp
        FROM unnest(ids) AS v(id) WHERE i_prompts.id = v.id AND i_prompts.lease_owner = 'raw';
        COMMIT;
    END LOOP;
END $$;

CREATE OR REPLACE PROCEDURE drain_queue(batch INT)
LANGUAGE plpgsql AS $$
DECLARE ids TEXT[];
DECLARE n BIGINT;
BEGIN
    LOOP
        -- The claim leases queue rows and reads the prompts they name (the worker needs them).
        WITH c AS (
            UPDATE q_queue SET lease_owner = 'raw',
                lease_expires_at = localtimestamp + interval '2 minutes'
            WHERE prompt_id IN (SELECT prompt_id FROM q_queue WHERE lease_owner IS NULL
                                AND available_at <= localtimestamp ORDER BY available_at
                                LIMIT batch FOR UPDATE SKIP LOCKED)
            RETURNING prompt_id)
        SELECT array_agg(p.id), count(p.body) INTO ids, n
        FROM c JOIN q_prompts p ON p.id = c.prompt_id;
        COMMIT;
        EXIT WHEN ids IS NULL;
        DELETE FROM q_queue WHERE prompt_id = ANY (ids) AND lease_owner = 'raw';
        UPDATE q_prompts SET status = 'sent', channel = 'fcm', sent_at = localtimestamp,
            last_error = NULL, attempts = attempts + 1, updated_at = localtimestamp
        FROM unnest(ids) AS v(id) WHERE q_prompts.id = v.id;
        INSERT INTO q_attempts SELECT 'a' || v.id, v.id, NULL, 'fcm', 'sent', 200, NULL,
            'projects/bench/messages/1', 'raw', localtimestamp FROM unnest(ids) AS v(id);
        COMMIT;
    END LOOP;
END $$;

-- Future rows first (due over the next year), then keys, indexes, vacuum and a checkpoint,
-- then the due rows: the drain bench's order.
SELECT clock_timestamp() AS fill_started \gset
CALL fill('c_prompts', 'f', 0, :future, localtimestamp + interval '1 day', 31536000);
CALL fill('q_prompts', 'f', 0, :future, localtimestamp + interval '1 day', 31536000);
CALL fill('i_prompts', 'f', 0, :future, localtimestamp + interval '1 day', 31536000);
INSERT INTO q_queue SELECT id, available_at, NULL, NULL FROM q_prompts;
SET maintenance_work_mem = '1GB';
ALTER TABLE c_prompts ADD PRIMARY KEY (id), ADD UNIQUE (idempotency_key);
CREATE INDEX c_prompts_pending ON c_prompts (available_at) WHERE status = 'scheduled';
CREATE INDEX c_prompts_leased ON c_prompts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX c_prompts_patient ON c_prompts (patient_id, due_at);
ALTER TABLE q_prompts ADD PRIMARY KEY (id), ADD UNIQUE (idempotency_key);
CREATE INDEX q_prompts_patient ON q_prompts (patient_id, due_at);
ALTER TABLE i_prompts ADD PRIMARY KEY (id), ADD UNIQUE (idempotency_key);
CREATE INDEX i_prompts_pending ON i_prompts (available_at) WHERE status = 'scheduled';
CREATE INDEX i_prompts_leased ON i_prompts (lease_expires_at) WHERE status = 'sending';
CREATE INDEX i_prompts_patient ON i_prompts (patient_id, due_at);
ALTER TABLE q_queue ADD PRIMARY KEY (prompt_id);
CREATE INDEX q_queue_available ON q_queue (available_at) WHERE lease_owner IS NULL;
SELECT round(extract(epoch FROM clock_timestamp() - :'fill_started')) AS fill_seconds \gset
\echo :future future prompts per layout, filled and indexed in :fill_seconds s
VACUUM ANALYZE;
CHECKPOINT;
SELECT pg_sleep(10) \g /dev/null
CALL fill('c_prompts', 'd', 0, :due, localtimestamp - interval '1 minute', 1);
CALL fill('q_prompts', 'd', 0, :due, localtimestamp - interval '1 minute', 1);
CALL fill('i_prompts', 'd', 0, :due, localtimestamp - interval '1 minute', 1);
INSERT INTO q_queue SELECT id, available_at, NULL, NULL FROM q_prompts WHERE id LIKE 'd%';
ANALYZE;
CHECKPOINT;

\endif

\if :drain
-- One layout's drain, timed by the server's own clock, with the WAL it wrote; the figures go
-- into `layout_results`. Update counters are read around both drains from psql (a backend
-- reports its counts when it goes idle, not inside a procedure).
CREATE TABLE IF NOT EXISTS layout_results (
    layout TEXT, future_rows BIGINT, drained BIGINT, prompts_per_s NUMERIC,
    wal_bytes_per_prompt NUMERIC
);
CREATE TABLE IF NOT EXISTS layout_counters (at TEXT, relname NAME, upd BIGINT, hot BIGINT);
CREATE OR REPLACE PROCEDURE measure(layout TEXT, future BIGINT, due INT, batch INT)
LANGUAGE plpgsql AS $$
DECLARE
    lsn pg_lsn;
    t0 TIMESTAMPTZ;
    secs FLOAT8;
    wal NUMERIC;
    drained BIGINT;
BEGIN
    lsn := pg_current_wal_lsn();
    t0 := clock_timestamp();
    IF layout = 'current' THEN
        CALL drain_current(batch);
    ELSIF layout = 'inline' THEN
        CALL drain_inline(batch);
    ELSE
        CALL drain_queue(batch);
    END IF;
    secs := extract(epoch FROM clock_timestamp() - t0);
    wal := pg_wal_lsn_diff(pg_current_wal_lsn(), lsn);
    -- Sends recorded: attempt rows, and (`inline`) sends on the prompt row.
    EXECUTE format('SELECT count(*) FROM %I', left(layout, 1) || '_attempts') INTO drained;
    IF layout = 'inline' THEN
        drained := drained + (SELECT count(*) FROM i_prompts WHERE sent_worker_id IS NOT NULL);
    END IF;
    INSERT INTO layout_results VALUES (layout, future, drained, round(due / secs), round(wal / due));
    PERFORM pg_stat_force_next_flush();
END $$;

TRUNCATE layout_results, layout_counters;
SELECT pg_stat_force_next_flush() \g /dev/null
INSERT INTO layout_counters SELECT 'before', relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables;
CHECKPOINT;
CALL measure('current', :future, :due, :batch);
CHECKPOINT;
CALL measure('queue', :future, :due, :batch);
CHECKPOINT;
CALL measure('inline', :future, :due, :batch);
INSERT INTO layout_counters SELECT 'after', relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables;
SELECT r.*, a.upd - b.upd AS prompt_updates, a.hot - b.hot AS hot_updates
FROM layout_results r
JOIN layout_counters b ON b.at = 'before' AND b.relname = left(r.layout, 1) || '_prompts'
JOIN layout_counters a ON a.at = 'after' AND a.relname = b.relname;
\endif
