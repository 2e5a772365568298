//! Use cases: one function per workflow of the product. Each takes ids and domain values (input
//! already parsed), owns its transaction, writes its audit entry in that transaction, and
//! returns domain values. The API's handlers, the operator CLI, the demo seed and the worker call
//! these; none of them assembles a transaction of its own.
//!
//! - [`auth`] — the app's login, refresh and logout, accepting an invitation, resetting a
//!   password, the console's sign-in and sessions, and the liveness check of an access token's
//!   session.
//! - [`treatments`] — record a treatment (plans the aftercare); book and cancel the next session;
//!   discharge.
//! - [`plan`] — re-planning a patient: loads the inputs, the schedule engine (`protocol`)
//!   plans, the database reconciles the stored prompts; every change above ends with it.
//! - [`preferences`] — the patient's own delivery settings (re-times the plan).
//! - [`prompts`] — the patient acknowledging a prompt.
//! - [`roster`] — staff reading their patients (each read audited).
//! - [`invitations`] — invite staff, enrol a patient, create a clinic with its first admin; an
//!   invitation that cannot be delivered is taken back.
//! - [`patient_details`] — staff correcting a patient's email, phone and names (a corrected
//!   email of a waiting patient re-sends the invitation).
//! - [`rights`] — the patient's own export of their data, and erasure.
//! - [`staff`] — the clinic's staff list and deactivation (admin).
//! - [`check_ins`] — the clinical loop: a patient's check-in, its triage against the healing
//!   timeline, and the escalation to the clinic.
//! - [`profile`] — the patient reading their own profile, timeline and booked next session.
//! - [`devices`] — the patient's phones and browsers for push: register, remove;
//!   [`web_push`] — the VAPID key settled at start.
//! - [`clinic`] — the clinic's details and its audit log.
//! - [`demo`] — the demo seed's account writes (not a product workflow; the seed's clinical
//!   history goes through the use cases above).
//! - [`readiness`] — what the readiness probes say of the database.
//! - [`sms`] — consent to text messages (record, read, withdraw), texts received from patients'
//!   phones (keywords, the automatic answers) and the provider's delivery receipts.
//! - [`outbox`] — the delivery worker's queue of prompts and clinic alerts: claim, read a window,
//!   record, hand back, recover; [`delivery`] — what else it reads and writes (recipients,
//!   devices, the shared FCM quota, digests, pruning, the wake-up listener); [`sms_sends`] — the
//!   record of each text before and after the provider call; [`delivery_log`] — which channels
//!   each prompt was tried on and what was confirmed.
//!
//! Records these return whose rows live in the database layer are re-exported by the module
//! that returns them (`care::check_ins::CheckIn`), so callers name nothing of `crate::db`.
//!
//! Inputs are `*Form` (values already parsed: `TreatmentForm`, `CheckInForm`, `LogInForm`); the
//! whole naming scheme is in `api/src/views/mod.rs`.
//!
//! Data flows one way: api / worker → care → db and protocol → domain.

pub mod auth;
pub mod check_ins;
pub mod clinic;
pub mod delivery;
pub mod delivery_log;
pub mod demo;
pub mod devices;
pub mod invitations;
pub mod outbox;
pub mod patient_details;
pub mod plan;
pub mod preferences;
pub mod profile;
pub mod prompts;
pub mod protocols;
pub mod readiness;
pub mod rights;
pub mod roster;
pub mod screenings;
pub mod sms;
pub mod sms_sends;
pub mod staff;
pub mod treatments;
pub mod web_push;

/// The database handle every use case takes; callers hold it and pass it in, and never reach
/// `crate::db` themselves.
pub use crate::db::{Backend, DatabaseUrl, Db};
use crate::domain::{ClinicId, UserId};
pub use protocols::Protocols;

/// A staff member acting in their clinic: every use case a clinic calls is scoped to
/// `clinic_id`, and its audit entry names `user_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub clinic_id: ClinicId,
    pub user_id: UserId,
}
