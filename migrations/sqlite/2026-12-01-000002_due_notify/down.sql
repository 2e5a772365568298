-- Nothing to do on SQLite: the PostgreSQL migration of this name adds the LISTEN/NOTIFY triggers
-- that wake a listening worker. SQLite has no notifications; its worker drains on the cron tick
-- and at the earliest waiting prompt's due time. Kept so both migration sets stay in step.
SELECT 1;
