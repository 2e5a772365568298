ALTER TABLE patient_profiles DROP COLUMN search_key;
