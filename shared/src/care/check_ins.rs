//! The clinical loop, patient → clinic: a check-in is stored with the treatment day it belongs
//! to, triaged against the expected healing timeline (the rules are protocol data, see
//! `crate::protocol`), and anything outside that timeline becomes an escalation for the clinic,
//! created in the check-in's own transaction. The queries live in `crate::db::escalations`.
//!
//! The check-in route and its triage are not served yet (CONTRACT.md `POST /v1/me/check-ins`);
//! this module is where they go.
