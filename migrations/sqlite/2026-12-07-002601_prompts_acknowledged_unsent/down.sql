-- Data only: the previous rule kept such rows `scheduled`. Which rows they were is not kept,
-- so nothing is undone (migrations are forward-only; a rollback restores a backup).
SELECT 1;
