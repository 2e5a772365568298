//! Text messages (SMS): consent, texts received from patients' phones, delivery receipts.
//!
//! No text goes to a patient without a granted consent in force: who gave it (the clinic with
//! the patient present, or the patient), when, for which version of the consent wording
//! ([`CONSENT_TEXT_VERSION`]) and where it was recorded. Each grant or withdrawal is a new
//! record (the newest is in force) with its audit entry (`sms_consent.grant` /
//! `sms_consent.withdraw`).
//!
//! - [`consent`], [`record_consent`] — read and change a patient's consent.
//! - [`receive`] — a text from a phone (the provider's inbound callback): the carrier keywords
//!   (STOP, START, HELP families; CTIA Messaging Principles and Best Practices) and the automatic
//!   answers; [`texts_for_patient`] — what the clinic sees of them.
//! - [`record_receipt`] — a delivery receipt (the provider's status callback).

mod inbound;
mod receipts;

use chrono::NaiveDateTime;

pub use self::inbound::{Inbound, InboundText, Received, Reply, receive, texts_for_patient};
pub use self::receipts::{Receipt, record_receipt};
use crate::db::sms::{self as rows, ConsentRow};
use crate::db::{Db, audit, new_id, patients};
pub use crate::domain::CONSENT_TEXT_VERSION;
use crate::domain::phone::E164;
use crate::domain::{AuditAction, ClinicId, ConsentMethod, ConsentSource, PatientId, UserId};
use crate::error::{Error, Result};

/// A patient's consent to texts as it stands: the newest record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConsent {
    /// Whether texts may be sent (a granted consent is in force).
    pub granted: bool,
    /// When the consent in force was granted; `None` when it was withdrawn.
    pub granted_at: Option<NaiveDateTime>,
    /// The version of the consent wording of the record in force.
    pub text_version: String,
    /// Who gave or withdrew it.
    pub source: ConsentSource,
    /// Where it was recorded (`keyword` for a STOP/START text).
    pub method: ConsentMethod,
    /// The staff member or patient who recorded it; `None` for a keyword text.
    pub recorded_by: Option<UserId>,
    /// When the record in force was made.
    pub at: NaiveDateTime,
}

impl From<ConsentRow> for SmsConsent {
    fn from(r: ConsentRow) -> Self {
        Self {
            granted: r.granted,
            granted_at: r.granted.then_some(r.created_at),
            text_version: r.text_version,
            source: r.source,
            method: r.method,
            recorded_by: r.recorded_by,
            at: r.created_at,
        }
    }
}

/// A grant or withdrawal to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentChange {
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    /// `true` grants, `false` withdraws.
    pub granted: bool,
    /// The version of the consent wording shown ([`CONSENT_TEXT_VERSION`]).
    pub text_version: String,
    pub source: ConsentSource,
    pub method: ConsentMethod,
    /// The staff member recording it, or the patient themselves in the app.
    pub recorded_by: Option<UserId>,
}

/// The patient's consent in force; `None` when none was ever recorded (never asked). A grant
/// given for another number than the phone now on file reads as not granted
/// (`crate::db::sms::grant_holds`).
/// Errors: `NotFound` for an unknown patient.
pub async fn consent(db: &Db, patient: &PatientId) -> Result<Option<SmsConsent>> {
    let patient = patient.clone();
    db.run(move |conn| {
        let profile = patients::find(conn, &patient)?;
        Ok(rows::latest_consent(conn, &patient)?.map(|row| {
            let holds = rows::grant_holds(&row, profile.phone.as_deref());
            let mut consent = SmsConsent::from(row);
            // Given for another number than the one now on file: not in force.
            if !holds {
                consent.granted = false;
                consent.granted_at = None;
            }
            consent
        }))
    })
    .await
}

/// Records a grant or withdrawal, with the patient's phone at the time (E.164 when it parses)
/// and its audit entry (`sms_consent.grant` / `sms_consent.withdraw`, by `recorded_by`, or by
/// the patient when they gave it), in one transaction. Returns the consent now in force.
/// Errors: `NotFound` for a patient unknown in `clinic_id`; `Conflict` for an erased patient.
pub async fn record_consent(
    db: &Db,
    change: ConsentChange,
    now: NaiveDateTime,
) -> Result<SmsConsent> {
    db.transaction(move |conn| {
        let profile = patients::find_in_clinic(conn, &change.clinic_id, &change.patient_id)?;
        if profile.erased_at.is_some() {
            return Err(Error::Conflict("the patient's data was erased".into()));
        }
        let profile = patients::lock_patient(conn, &change.patient_id, Some(&change.clinic_id))?;
        let row = ConsentRow {
            id: new_id(),
            clinic_id: change.clinic_id.clone(),
            patient_id: change.patient_id.clone(),
            granted: change.granted,
            text_version: change.text_version,
            source: change.source,
            method: change.method,
            recorded_by: change.recorded_by.clone(),
            phone: stored_phone(profile.phone.as_deref()),
            created_at: now,
        };
        write(conn, &row)?;
        Ok(SmsConsent::from(row))
    })
    .await
}

/// A stored phone as a consent record keeps it: E.164 when it parses, else as stored.
fn stored_phone(phone: Option<&str>) -> Option<String> {
    phone.map(|p| match E164::parse(p) {
        Ok(n) => n.into_string(),
        Err(_) => p.to_owned(),
    })
}

/// Inserts a consent record and its audit entry (the actor: who recorded it, else the patient
/// when the patient gave it).
fn write(conn: &mut crate::db::DbConn, row: &ConsentRow) -> Result<()> {
    rows::insert_consent(conn, row)?;
    let action = if row.granted {
        AuditAction::SmsConsentGrant
    } else {
        AuditAction::SmsConsentWithdraw
    };
    let actor = match (&row.recorded_by, row.source) {
        (Some(by), _) => Some(by.clone()),
        (None, ConsentSource::Patient) => Some(row.patient_id.as_user()),
        (None, ConsentSource::Clinic) => None,
    };
    audit::record(
        conn,
        &row.clinic_id,
        actor.as_ref(),
        action,
        Some(&row.patient_id),
        row.created_at,
    )
}
