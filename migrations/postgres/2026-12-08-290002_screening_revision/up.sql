-- Which time of the booking an answer was given for: the booking's `revision` when the patient
-- answered. A moved session (same booking, higher revision) is asked about again, and only the
-- answers for its current time count for the clinic.
ALTER TABLE screenings ADD COLUMN booking_revision INTEGER NOT NULL DEFAULT 0;
