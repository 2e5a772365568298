-- A list view (the roster, the escalation queue) is one audit entry naming every patient it
-- showed: a JSON array of patient ids, e.g. ["p1","p2"]. NULL for an entry about one patient
-- (patient_id) or none. The audit filter by patient matches either column.
ALTER TABLE audit_log ADD COLUMN subject_ids TEXT;
