ALTER TABLE session_bookings DROP COLUMN moved_at;
ALTER TABLE session_bookings DROP COLUMN revision;
