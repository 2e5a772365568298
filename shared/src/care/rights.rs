//! The patient's rights over their own data (docs/CONTRACT.md `GET /v1/me/export`, `DELETE /v1/me`):
//! a copy of everything held about them, and erasure.
//!
//! Erasure removes what identifies the patient and everything that could reach them — names,
//! phone, email, password, devices, login sessions, one-time codes, the booked session, every
//! prompt not yet sent, the words and number of the texts received from their phone and the
//! number on their consent-to-texts records — and keeps the clinical record (treatments,
//! check-ins, escalations, the prompts that were sent and the audit trail) under the
//! pseudonymous id only, because the clinic must keep its treatment records (README "Patient
//! rights").

use chrono::NaiveDateTime;

use crate::db::audit::{self, AuditEntry};
use crate::db::devices::{self, Device};
use crate::db::invitations as codes;
use crate::db::roster::{self, PatientRecord};
use crate::db::{
    Db, bookings, clinics, deliveries, patients, plans, screenings, sessions, sign_in_codes, sms,
    throttle, users,
};
use crate::domain::AuditAction;
use crate::domain::PatientId;
use crate::error::Result;

/// Everything held about one patient, as rows; the API renders it.
#[derive(Debug, Clone)]
pub struct Export {
    /// Profile, account email and status, treatments, prompts, check-ins, escalations and the
    /// booked session: the record the clinic keeps.
    pub record: PatientRecord,
    pub clinic: clinics::Clinic,
    /// Every device, live or not.
    pub devices: Vec<Device>,
    /// Who read or changed the record and when, newest first (this export included).
    pub access_log: Vec<AuditEntry>,
}

/// Collects the patient's data in one transaction (a consistent copy) and audits the export.
/// Errors: `NotFound` for an unknown or erased patient.
pub async fn export(db: &Db, patient_id: &PatientId, now: NaiveDateTime) -> Result<Export> {
    let patient_id = patient_id.to_owned();
    db.transaction(move |conn| {
        let profile = patients::lock_patient(conn, &patient_id, None)?;
        let clinic_id = profile.clinic_id;
        audit::record(
            conn,
            &clinic_id,
            Some(&patient_id.as_user()),
            AuditAction::PatientExport,
            Some(&patient_id),
            now,
        )?;
        Ok(Export {
            record: roster::record(conn, &clinic_id, &patient_id)?,
            clinic: clinics::find(conn, &clinic_id)?,
            devices: devices::for_patient(conn, &patient_id)?,
            access_log: audit::for_patient(conn, &clinic_id, &patient_id)?,
        })
    })
    .await
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub cancelled_prompts: usize,
    pub devices: usize,
    pub sessions: usize,
}

/// Erases the patient in one transaction: personal fields (profile and account), devices,
/// sessions with their refresh tokens, one-time codes, the failed-login counter of their email,
/// the booked session, every prompt not yet sent, and the provider error texts of the delivery
/// records kept (a mail server's rejection quotes the address), the bodies and sender number
/// of the texts received from the patient's phone, the phone on their consent records and the
/// notes they wrote in pre-visit screenings.
/// The audit entry names only the pseudonymous id. Discharged patients may erase too.
/// Errors: `NotFound` for an unknown or already erased patient.
pub async fn erase(db: &Db, patient_id: &PatientId, now: NaiveDateTime) -> Result<Erased> {
    let patient_id = patient_id.to_owned();
    db.transaction(move |conn| {
        let profile = patients::lock_patient(conn, &patient_id, None)?;
        let user_id = patient_id.as_user();
        // The login and reset counters are keyed by a hash of the email: they go with it.
        let email = users::find(conn, &user_id)?.email;
        throttle::reset(conn, &throttle::account_key(&email))?;
        throttle::reset(conn, &throttle::reset_request_key(&email))?;
        let account = throttle::account_key(&email);
        throttle::reset(conn, &throttle::sign_in_request_key(&account))?;
        if let Some(phone) = profile.phone.as_deref() {
            let phone = throttle::phone_key(&crate::domain::search::digits(phone));
            throttle::reset(conn, &throttle::sign_in_request_key(&phone))?;
            throttle::reset(conn, &phone)?;
        }
        patients::erase(conn, &patient_id, now)?;
        users::erase(conn, &user_id, now)?;
        let devices = devices::delete_for_patient(conn, &patient_id)?;
        let sessions = sessions::delete_all_for_user(conn, &user_id)?;
        codes::delete_for_user(conn, &user_id)?;
        sign_in_codes::delete_for_user(conn, &user_id)?;
        bookings::cancel_live(conn, &patient_id, now)?;
        let cancelled_prompts = plans::cancel_pending(conn, &patient_id, now)?;
        // A mail server's rejection, stored as the attempt's error, quotes the address.
        deliveries::redact_errors_for_patient(conn, &patient_id)?;
        // Texts from the patient's phone (their words and number) and the number their consent
        // to texts was given for.
        sms::erase_for_patient(conn, &patient_id)?;
        // The patient's own words before a session; the reported codes stay clinical record.
        screenings::redact_notes_for_patient(conn, &patient_id)?;
        audit::record(
            conn,
            &profile.clinic_id,
            Some(&user_id),
            AuditAction::PatientErase,
            Some(&patient_id),
            now,
        )?;
        Ok(Erased {
            cancelled_prompts,
            devices,
            sessions,
        })
    })
    .await
}
