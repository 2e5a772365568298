//! Push devices of patients.
