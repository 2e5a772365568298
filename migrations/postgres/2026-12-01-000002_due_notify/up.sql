-- Wake-ups for the delivery worker (LISTEN/NOTIFY, `worker/src/listener.rs`): a write that makes
-- a prompt or a clinic alert claimable now sends an empty notification on its queue's channel,
-- `aftercare_prompts_due` or `aftercare_clinic_alerts_due`, so a listening worker drains at once
-- instead of at its next cron tick. PostgreSQL delivers a notification only when the writing
-- transaction commits, and folds identical ones of one transaction into one. Polling stays the
-- fallback: a lost notification costs at most one cron tick.
--
-- "Now" is the database's clock plus 10 seconds: enough for a worker whose clock runs a little
-- ahead of the database's, and less than the shortest retry backoff (15 s), so recording retries
-- never notifies (the worker that recorded them wakes itself when the earliest is due). Times are
-- stored as UTC without a zone, hence `clock_timestamp() AT TIME ZONE 'UTC'` (the moment of the write, not the start of a long transaction).
--
-- Cost on the drain's hot path, none: the claim (to 'sending') and the outcomes (to 'sent',
-- 'failed', 'cancelled', or back to 'scheduled'/'pending' with a backoff) never meet the row
-- triggers' WHEN conditions (a prompt handed back unsent, due again within seconds, does, so any
-- worker takes it up), which PostgreSQL evaluates as the row is written, without calling a
-- function or queuing an event. Inserts are checked once per statement over the statement's new
-- rows, so a 100,000-row insert sends at most one notification.

CREATE FUNCTION aftercare_notify_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END
$$;

CREATE FUNCTION prompts_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE status = 'scheduled'
               AND available_at <= (clock_timestamp() AT TIME ZONE 'UTC') + interval '10 seconds') THEN
        PERFORM pg_notify('aftercare_prompts_due', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION clinic_alerts_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE status = 'pending'
               AND available_at <= (clock_timestamp() AT TIME ZONE 'UTC') + interval '10 seconds') THEN
        PERFORM pg_notify('aftercare_clinic_alerts_due', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER prompts_due_inserted AFTER INSERT ON prompts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION prompts_notify_inserted();

-- A lease handed back or expired, a prompt re-timed or revived by a re-plan.
CREATE TRIGGER prompts_due_updated AFTER UPDATE OF status, available_at ON prompts
    FOR EACH ROW
    WHEN (NEW.status = 'scheduled'
          AND NEW.available_at <= (clock_timestamp() AT TIME ZONE 'UTC') + interval '10 seconds'
          AND (OLD.status <> 'scheduled' OR OLD.available_at <> NEW.available_at))
    EXECUTE FUNCTION aftercare_notify_due('aftercare_prompts_due');

CREATE TRIGGER clinic_alerts_due_inserted AFTER INSERT ON clinic_alerts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION clinic_alerts_notify_inserted();

CREATE TRIGGER clinic_alerts_due_updated AFTER UPDATE OF status, available_at ON clinic_alerts
    FOR EACH ROW
    WHEN (NEW.status = 'pending'
          AND NEW.available_at <= (clock_timestamp() AT TIME ZONE 'UTC') + interval '10 seconds'
          AND (OLD.status <> 'pending' OR OLD.available_at <> NEW.available_at))
    EXECUTE FUNCTION aftercare_notify_due('aftercare_clinic_alerts_due');
