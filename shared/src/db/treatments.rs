//! Recorded treatments.
