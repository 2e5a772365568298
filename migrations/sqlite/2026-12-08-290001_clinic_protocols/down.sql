-- SQLite cannot drop a column that is part of a foreign key: `treatments.protocol_id` stays,
-- emptied (every treatment reads as planned with the product's default), and is ignored by the
-- schema before clinic protocols.
DROP TABLE screenings;
UPDATE treatments SET protocol_id = NULL;
DROP TABLE clinic_protocol_edits;
DROP TABLE clinic_protocols;
