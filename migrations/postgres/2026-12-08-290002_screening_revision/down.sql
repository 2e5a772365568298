ALTER TABLE screenings DROP COLUMN booking_revision;
