//! Delivery outcomes: attempts, retries with backoff, dead letters.
