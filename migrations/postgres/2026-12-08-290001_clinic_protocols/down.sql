DROP TABLE screenings;
ALTER TABLE treatments DROP COLUMN protocol_id;
DROP TABLE clinic_protocol_edits;
DROP TABLE clinic_protocols;
