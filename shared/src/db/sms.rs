//! Text messages (SMS): consent records (`sms_consents`), texts received from patients' phones
//! (`sms_inbound`) and the provider's delivery receipts (`sms_status_events`, and the newest one
//! on the `sms` attempt in `delivery_attempts`).
//!
//! A consent record is one row per grant or withdrawal; the newest row of a patient (by
//! `created_at`, then by id: ids are time-ordered UUIDv7) is the one in force.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sms_status_events;
use super::schema::{delivery_attempts, patient_profiles, sms_consents, sms_inbound};
use super::{DbConn, on_backend};
use crate::domain::phone::E164;
use crate::domain::{ClinicId, ConsentMethod, ConsentSource, PatientId, SmsKeyword, SmsReceipt};
use crate::domain::{DeliveryChannel, UserId};
use crate::error::Result;

/// One grant or withdrawal of consent to texts.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sms_consents)]
pub struct ConsentRow {
    pub id: String,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub granted: bool,
    /// The version of the consent wording ([`crate::domain::CONSENT_TEXT_VERSION`] when given).
    pub text_version: String,
    pub source: ConsentSource,
    pub method: ConsentMethod,
    /// The staff member (or the patient) who recorded it; `None` for a keyword text.
    pub recorded_by: Option<UserId>,
    /// The number the consent was given for (E.164 when the stored phone was valid); `None`
    /// when the patient had no phone, or once the patient was erased.
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Appends a grant or withdrawal (it is in force from now on), in the caller's transaction.
pub fn insert_consent(conn: &mut DbConn, row: &ConsentRow) -> Result<()> {
    diesel::insert_into(sms_consents::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The consent record in force for the patient (their newest), if any was ever made.
pub fn latest_consent(conn: &mut DbConn, patient_id: &PatientId) -> Result<Option<ConsentRow>> {
    Ok(sms_consents::table
        .filter(sms_consents::patient_id.eq(patient_id))
        .order((sms_consents::created_at.desc(), sms_consents::id.desc()))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a consent record is in force for a patient whose stored phone is `current_phone`:
/// granted, and given for that number. A consent is given for one number (CTIA Messaging
/// Principles: consent is specific to the number that gave it): once the phone on file changes
/// (corrected by the clinic or the patient), texts need a new consent.
pub fn grant_holds(row: &ConsentRow, current_phone: Option<&str>) -> bool {
    let current = current_phone.and_then(|p| E164::parse(p).ok());
    row.granted
        && match (row.phone.as_deref(), current) {
            (Some(given), Some(now)) => given == now.as_str(),
            _ => false,
        }
}

/// Whether each of `patients` has a granted consent in force for the phone now on file
/// ([`grant_holds`]; `true`), in two queries: `false` for a withdrawal in force, for a consent
/// given for another number and for a patient never asked. Every patient asked for is in the
/// answer.
pub fn consents_in_force(
    conn: &mut DbConn,
    patients: &[&PatientId],
) -> Result<HashMap<PatientId, bool>> {
    let mut answer: HashMap<PatientId, bool> =
        patients.iter().map(|p| ((*p).clone(), false)).collect();
    if patients.is_empty() {
        return Ok(answer);
    }
    let phones: HashMap<PatientId, Option<String>> = patient_profiles::table
        .filter(patient_profiles::user_id.eq_any(patients))
        .select((patient_profiles::user_id, patient_profiles::phone))
        .load::<(PatientId, Option<String>)>(conn)?
        .into_iter()
        .collect();
    for (patient, row) in latest_consents(conn, patients)? {
        let phone = phones.get(&patient).and_then(|p| p.as_deref());
        answer.insert(patient, grant_holds(&row, phone));
    }
    Ok(answer)
}

/// The latest consent record of each of `patients` that has one (one query).
pub fn latest_consents(
    conn: &mut DbConn,
    patients: &[&PatientId],
) -> Result<HashMap<PatientId, ConsentRow>> {
    let rows: Vec<ConsentRow> = sms_consents::table
        .filter(sms_consents::patient_id.eq_any(patients))
        .order((sms_consents::created_at.asc(), sms_consents::id.asc()))
        .select(ConsentRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.patient_id.clone(), r))
        .collect())
}

/// Of `patients`, the one the service texted last (a `sent` or `pending` text), if any was
/// ever texted: whose conversation a reply from their number belongs to. One query.
pub fn last_texted(conn: &mut DbConn, patients: &[&PatientId]) -> Result<Option<PatientId>> {
    use super::schema::prompts;
    if patients.is_empty() {
        return Ok(None);
    }
    Ok(delivery_attempts::table
        .inner_join(prompts::table)
        .filter(delivery_attempts::channel.eq(DeliveryChannel::Sms))
        .filter(delivery_attempts::outcome.eq_any(["sent", "pending"]))
        .filter(prompts::patient_id.eq_any(patients))
        .order(delivery_attempts::attempted_at.desc())
        .select(prompts::patient_id)
        .first(conn)
        .optional()?)
}

/// A patient a phone number belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneOwner {
    pub patient_id: PatientId,
    pub clinic_id: ClinicId,
    /// When the patient was enrolled (their profile's `created_at`).
    pub created_at: NaiveDateTime,
}

/// The patients (not erased, any clinic) whose stored phone is `number`, oldest enrolment
/// first. Stored phones may be written any way staff typed them (`0034 600…`, `+34 (600)…`):
/// rows whose search key holds the number's national digits are read, and each stored phone
/// is parsed to E.164 and compared exactly. A stored phone without country code matches no
/// number.
pub fn patients_with_phone(conn: &mut DbConn, number: &E164) -> Result<Vec<PhoneOwner>> {
    let pattern = format!("%{}%", number.national_digits());
    let rows: Vec<(PatientId, ClinicId, Option<String>, NaiveDateTime)> = patient_profiles::table
        .filter(patient_profiles::erased_at.is_null())
        .filter(patient_profiles::phone.is_not_null())
        .filter(
            patient_profiles::search_key
                .like(pattern)
                // Written before the search key existed and not yet backfilled.
                .or(patient_profiles::search_key.is_null()),
        )
        .order((
            patient_profiles::created_at.asc(),
            patient_profiles::user_id.asc(),
        ))
        .select((
            patient_profiles::user_id,
            patient_profiles::clinic_id,
            patient_profiles::phone,
            patient_profiles::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, phone, _)| {
            phone
                .as_deref()
                .and_then(|p| E164::parse(p).ok())
                .is_some_and(|p| &p == number)
        })
        .map(|(patient_id, clinic_id, _, created_at)| PhoneOwner {
            patient_id,
            clinic_id,
            created_at,
        })
        .collect())
}

/// One text received from a phone, stored once per patient it came from.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sms_inbound)]
pub struct InboundRow {
    pub id: String,
    /// The provider's message id (Twilio `MessageSid`).
    pub provider_id: String,
    /// The sender's number, E.164 when it parses (as the provider sends it: Twilio `From`).
    pub from_phone: String,
    pub to_phone: String,
    pub body: String,
    pub keyword: Option<SmsKeyword>,
    pub clinic_id: Option<ClinicId>,
    pub patient_id: Option<PatientId>,
    /// Whether the automatic answer (help or notice) went with the callback's reply.
    pub replied: bool,
    pub received_at: NaiveDateTime,
}

/// Serialises the recording of one provider message id with any other transaction recording
/// the same id (PostgreSQL: a transaction-scoped advisory lock on its hash; SQLite's write
/// transactions are serial already), so a callback delivered twice at once records once.
pub fn lock_provider_id(conn: &mut DbConn, provider_id: &str) -> Result<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))::text AS locked")
            .bind::<diesel::sql_types::Text, _>(provider_id)
            .execute(pg)?;
    }
    Ok(())
}

/// Whether a text with this provider message id was already recorded.
pub fn inbound_exists(conn: &mut DbConn, provider_id: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        sms_inbound::table.filter(sms_inbound::provider_id.eq(provider_id)),
    ))
    .get_result(conn)?)
}

/// Stores a received text (one row per patient it came from), in the caller's transaction.
pub fn insert_inbound(conn: &mut DbConn, rows: &[InboundRow]) -> Result<()> {
    for row in rows {
        diesel::insert_into(sms_inbound::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a text other than a keyword from `from_phone` was answered (with the notice) at or
/// after `since`.
pub fn notice_sent_since(
    conn: &mut DbConn,
    from_phone: &str,
    since: NaiveDateTime,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        sms_inbound::table
            .filter(sms_inbound::from_phone.eq(from_phone))
            .filter(sms_inbound::received_at.ge(since))
            .filter(sms_inbound::keyword.is_null())
            .filter(sms_inbound::replied.eq(true)),
    ))
    .get_result(conn)?)
}

/// The patient's received texts in the clinic, newest first, at most `limit`.
pub fn inbound_for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    limit: i64,
) -> Result<Vec<InboundRow>> {
    Ok(sms_inbound::table
        .filter(sms_inbound::clinic_id.eq(clinic_id))
        .filter(sms_inbound::patient_id.eq(patient_id))
        .order((sms_inbound::received_at.desc(), sms_inbound::id.desc()))
        .limit(limit.max(0))
        .select(InboundRow::as_select())
        .load(conn)?)
}

/// Records one delivery receipt; `false` (nothing written) when this message's receipt with
/// this status was recorded already (a replayed callback).
pub fn insert_status_event(
    conn: &mut DbConn,
    provider_id: &str,
    status: SmsReceipt,
    error_code: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool> {
    let row = (
        sms_status_events::provider_id.eq(provider_id),
        sms_status_events::status.eq(status.as_str()),
        sms_status_events::error_code.eq(error_code),
        sms_status_events::received_at.eq(now),
    );
    // `ON CONFLICT DO NOTHING` on both backends: the row count says whether it was new.
    let n = on_backend!(conn, |c| diesel::insert_into(sms_status_events::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(n == 1)
}

/// The receipts a new `status` may replace on an attempt: a receipt never goes back (a late
/// `sent` after `delivered` leaves `delivered`), and the first final one (`delivered`,
/// `undelivered`, `failed`) stays.
fn replaceable(status: SmsReceipt) -> &'static [SmsReceipt] {
    match status {
        SmsReceipt::Queued => &[],
        SmsReceipt::Sent => &[SmsReceipt::Queued],
        SmsReceipt::Delivered | SmsReceipt::Undelivered | SmsReceipt::Failed => {
            &[SmsReceipt::Queued, SmsReceipt::Sent]
        }
    }
}

/// Sets the receipt of the `sms` attempt(s) with this provider message id to `status`, unless
/// they already hold the same or a later one. Returns how many attempts changed.
pub fn update_attempt_receipt(
    conn: &mut DbConn,
    provider_id: &str,
    status: SmsReceipt,
    now: NaiveDateTime,
) -> Result<usize> {
    let earlier: Vec<&str> = replaceable(status).iter().map(|s| s.as_str()).collect();
    let n = diesel::update(
        delivery_attempts::table
            .filter(delivery_attempts::channel.eq(DeliveryChannel::Sms.as_str()))
            .filter(delivery_attempts::provider_id.eq(provider_id))
            .filter(
                delivery_attempts::receipt
                    .is_null()
                    .or(delivery_attempts::receipt.eq_any(earlier)),
            ),
    )
    .set((
        delivery_attempts::receipt.eq(status.as_str()),
        delivery_attempts::receipt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n)
}

/// Erasure: the patient's received texts keep only that a text came and when (body and sender
/// number emptied), and their consent records lose the phone they were given for.
pub fn erase_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<()> {
    diesel::update(sms_inbound::table.filter(sms_inbound::patient_id.eq(patient_id)))
        .set((sms_inbound::body.eq(""), sms_inbound::from_phone.eq("")))
        .execute(conn)?;
    diesel::update(sms_consents::table.filter(sms_consents::patient_id.eq(patient_id)))
        .set(sms_consents::phone.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}
