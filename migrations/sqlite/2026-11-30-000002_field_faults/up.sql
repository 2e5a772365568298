-- Patient search matches by Unicode case-folding on both backends: SQLite's lower() folds ASCII
-- only, so the folded text is written by the service (`shared::db::patients::fold`) whenever a
-- name is written, and searched with LIKE. Existing rows are left empty here and folded by the
-- service right after migrating (`shared::db::patients::fold_missing`), so both backends fold
-- the same way.
ALTER TABLE patient_profiles ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- A refresh repeated within the reuse interval (two screens, a retry after a timeout) gets the
-- same successor: it is kept here, sealed with a key only the spent token's holder can derive
-- (`shared::db::sessions`), and cleared once the interval is over.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed TEXT;
