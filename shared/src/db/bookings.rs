//! Booked next sessions of a course.
