-- A staff member's chosen console language; NULL follows the browser's Accept-Language.
ALTER TABLE users ADD COLUMN locale TEXT CHECK (locale IN ('en', 'es'));
