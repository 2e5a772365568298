//! Periodic jobs claimed once per period across all workers.
