//! Texts received from patients' phones (the provider's inbound callback, Twilio `MessageSid`,
//! `From`, `To`, `Body`) and the answer to give with the callback's reply.

use chrono::{Duration, NaiveDateTime};

use super::{ConsentRow, write};
use crate::db::sms::{self as rows, InboundRow, PhoneOwner};
use crate::db::{Db, DbConn, clinics, new_id, patients};
use crate::domain::phone::E164;
use crate::domain::{
    CONSENT_TEXT_VERSION, ClinicId, ConsentMethod, ConsentSource, Locale, PatientId, SmsKeyword,
};
use crate::error::Result;

/// How long after a text was answered with the notice another text from the same number is
/// stored without an answer (a conversation does not get the same warning on every message).
pub const NOTICE_EVERY: Duration = Duration::hours(24);

/// A text as the provider's inbound callback reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The provider's message id (Twilio `MessageSid`): a second callback with it is a replay.
    pub provider_id: String,
    /// The sender's number (Twilio `From`, E.164).
    pub from: String,
    /// The number it was sent to (Twilio `To`).
    pub to: String,
    pub body: String,
}

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A text with this provider message id was recorded before: nothing was written (the API
    /// answers 403, as for a bad signature).
    Replay,
    /// Recorded; `reply` is the answer to send back with the callback.
    Recorded { reply: Reply },
}

/// The automatic answer to a received text (rendered by `shared::sms::replies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// No answer: a STOP or START keyword (the provider sends the carrier's own confirmation,
    /// Twilio Advanced Opt-Out), a text from a number no patient has, or a text within
    /// [`NOTICE_EVERY`] of the last notice to this number.
    None,
    /// HELP/INFO: who is texting and how to reach them.
    Help {
        clinic_name: String,
        clinic_phone: Option<String>,
        locale: Locale,
    },
    /// Any other text: texts are not read at once, so the clinic's phone and the urgent
    /// warning signs.
    Notice {
        clinic_name: String,
        clinic_phone: Option<String>,
        locale: Locale,
    },
}

/// A text received from the patient's phone, as the clinic sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundText {
    pub at: NaiveDateTime,
    pub body: String,
    /// The keyword family the text was (STOP, START, HELP), `None` for any other text.
    pub keyword: Option<SmsKeyword>,
}

/// Records a received text, in one transaction. The carrier keywords act for every patient
/// whose stored phone is the sender's number (compared as E.164; a number two clinics' patients
/// share reaches both); the text itself is kept for one of them only, the conversation's
/// ([`conversation`]: the patient last texted, else the one whose consent is for this number),
/// and any answer names that patient's clinic:
/// - STOP family (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT): consent
///   withdrawn (source patient, method keyword, audited with the patient as actor) for each of
///   them whose consent in force is granted, no answer;
/// - START family (START, UNSTOP): consent granted again ([`CONSENT_TEXT_VERSION`]) for each of
///   them whose consent in force is withdrawn (never asked stays never asked), no answer;
/// - HELP family (HELP, INFO): [`Reply::Help`] with the conversation's clinic;
/// - any other text: stored for the clinic to see, answered with [`Reply::Notice`] at most
///   once per number in [`NOTICE_EVERY`].
///
/// A text from a number no patient has, or with no conversation, is stored without patient and
/// answered with nothing (there is no clinic to name). A `provider_id` already recorded is [`Received::Replay`] and
/// writes nothing. Errors: database errors only.
pub async fn receive(db: &Db, text: Inbound, now: NaiveDateTime) -> Result<Received> {
    // PostgreSQL refuses a NUL in text; no phone sends one, and it is dropped on both backends.
    let text = Inbound {
        provider_id: text.provider_id.replace('\0', ""),
        from: text.from.replace('\0', ""),
        to: text.to.replace('\0', ""),
        body: text.body.replace('\0', ""),
    };
    db.transaction(move |conn| {
        rows::lock_provider_id(conn, &text.provider_id)?;
        if rows::inbound_exists(conn, &text.provider_id)? {
            return Ok(Received::Replay);
        }
        let number = E164::parse(&text.from).ok();
        let from_phone = number
            .as_ref()
            .map_or_else(|| text.from.clone(), |n| n.as_str().to_owned());
        let owners = match &number {
            Some(n) => rows::patients_with_phone(conn, n)?,
            None => Vec::new(),
        };
        // The carrier keywords act on the number for every patient who has it (STOP to the
        // sender stops every text from it); what the text says and the answer belong to one
        // conversation only (found before the keyword changes any consent), never shown to or
        // signed by another clinic.
        let owner = match &number {
            Some(n) => conversation(conn, &owners, n)?,
            None => None,
        };
        let keyword = SmsKeyword::of_text(&text.body);
        match keyword {
            Some(SmsKeyword::Stop) => change_all(conn, &owners, false, now)?,
            Some(SmsKeyword::Start) => change_all(conn, &owners, true, now)?,
            _ => {}
        }
        let reply = match (keyword, owner.as_ref()) {
            (_, None) | (Some(SmsKeyword::Stop | SmsKeyword::Start), _) => Reply::None,
            (Some(SmsKeyword::Help), Some(owner)) => {
                let (clinic_name, clinic_phone, locale) = who(conn, owner)?;
                Reply::Help {
                    clinic_name,
                    clinic_phone,
                    locale,
                }
            }
            (None, Some(owner)) => {
                if rows::notice_sent_since(conn, &from_phone, now - NOTICE_EVERY)? {
                    Reply::None
                } else {
                    let (clinic_name, clinic_phone, locale) = who(conn, owner)?;
                    Reply::Notice {
                        clinic_name,
                        clinic_phone,
                        locale,
                    }
                }
            }
        };
        let replied = reply != Reply::None;
        let row = |clinic_id: Option<ClinicId>, patient_id: Option<PatientId>| InboundRow {
            id: new_id(),
            provider_id: text.provider_id.clone(),
            from_phone: from_phone.clone(),
            to_phone: text.to.clone(),
            body: text.body.clone(),
            keyword,
            clinic_id,
            patient_id,
            replied,
            received_at: now,
        };
        let stored = vec![match &owner {
            Some(o) => row(Some(o.clinic_id.clone()), Some(o.patient_id.clone())),
            None => row(None, None),
        }];
        rows::insert_inbound(conn, &stored)?;
        Ok(Received::Recorded { reply })
    })
    .await
}

/// Whose conversation a text from `number` is, among the patients who have that number: the
/// only one; else the one the service texted last; else the one whose consent in force was
/// given for this number most recently; else nobody (several patients have the number and
/// none was texted nor consented: the text is kept without patient, as from an unknown number,
/// so a clinic that stored someone else's number by mistake never reads that person's texts).
fn conversation(
    conn: &mut DbConn,
    owners: &[PhoneOwner],
    number: &E164,
) -> Result<Option<PhoneOwner>> {
    let ids: Vec<&PatientId> = owners.iter().map(|o| &o.patient_id).collect();
    if let [only] = owners {
        return Ok(Some(only.clone()));
    }
    let chosen = match rows::last_texted(conn, &ids)? {
        Some(p) => Some(p),
        None => rows::latest_consents(conn, &ids)?
            .into_values()
            .filter(|c| rows::grant_holds(c, Some(number.as_str())))
            .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
            .map(|c| c.patient_id),
    };
    Ok(chosen.and_then(|p| owners.iter().find(|o| o.patient_id == p).cloned()))
}

/// The clinic's name and phone and the patient's language, for an answer.
fn who(conn: &mut DbConn, owner: &PhoneOwner) -> Result<(String, Option<String>, Locale)> {
    let clinic = clinics::find(conn, &owner.clinic_id)?;
    let locale = patients::find(conn, &owner.patient_id)?.locale;
    Ok((clinic.name, clinic.contact_phone, locale))
}

/// A keyword's consent change for every owner of the number: a withdrawal for each whose
/// consent in force is granted; a grant for each whose consent in force is withdrawn (START
/// does not grant what was never asked: a patient never asked has no record, and STOP writes
/// none for them).
fn change_all(
    conn: &mut DbConn,
    owners: &[PhoneOwner],
    granted: bool,
    now: NaiveDateTime,
) -> Result<()> {
    let ids: Vec<&PatientId> = owners.iter().map(|o| &o.patient_id).collect();
    let latest = rows::latest_consents(conn, &ids)?;
    for owner in owners {
        let current = latest.get(&owner.patient_id);
        let change = match (granted, current) {
            (false, Some(c)) => c.granted,
            (false, None) => false,
            (true, Some(c)) => !c.granted,
            (true, None) => false,
        };
        if !change {
            continue;
        }
        let phone = patients::find(conn, &owner.patient_id)?.phone;
        let row = ConsentRow {
            id: new_id(),
            clinic_id: owner.clinic_id.clone(),
            patient_id: owner.patient_id.clone(),
            granted,
            // A withdrawal names the wording it withdraws; a grant is of today's wording.
            text_version: match (granted, current) {
                (false, Some(c)) => c.text_version.clone(),
                _ => CONSENT_TEXT_VERSION.to_owned(),
            },
            source: ConsentSource::Patient,
            method: ConsentMethod::Keyword,
            recorded_by: None,
            phone: super::stored_phone(phone.as_deref()),
            created_at: now,
        };
        write(conn, &row)?;
    }
    Ok(())
}

/// The texts received from the patient's phone, newest first, at most `limit` (clamped to
/// 1..=500). Errors: `NotFound` for a patient unknown in `clinic`.
pub async fn texts_for_patient(
    db: &Db,
    clinic: &ClinicId,
    patient: &PatientId,
    limit: i64,
) -> Result<Vec<InboundText>> {
    let (clinic, patient) = (clinic.clone(), patient.clone());
    db.run(move |conn| {
        patients::find_in_clinic(conn, &clinic, &patient)?;
        let rows = rows::inbound_for_patient(conn, &clinic, &patient, limit.clamp(1, 500))?;
        Ok(rows
            .into_iter()
            .map(|r| InboundText {
                at: r.received_at,
                body: r.body,
                keyword: r.keyword,
            })
            .collect())
    })
    .await
}
