ALTER TABLE patient_profiles DROP COLUMN search_text;
ALTER TABLE refresh_tokens DROP COLUMN successor_sealed;
