-- A moved session keeps its booking (and so its calendar event's UID); `revision` counts the
-- moves (the event's RFC 5545 SEQUENCE, §3.8.7.4) and `moved_at` is the last one (its DTSTAMP).
ALTER TABLE session_bookings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_bookings ADD COLUMN moved_at TIMESTAMP;
