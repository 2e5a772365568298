//! Content safety: placeholder until written.
