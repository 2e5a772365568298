//! Prompt and digest emails sent by the delivery worker.
