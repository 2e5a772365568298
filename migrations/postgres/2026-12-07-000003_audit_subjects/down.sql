ALTER TABLE audit_log DROP COLUMN subject_ids;
