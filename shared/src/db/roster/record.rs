//! One patient's whole record as staff see it: profile, treatments, prompts, check-ins,
//! escalations, the next booked session, the pre-visit screenings and the phones registered for push, and each prompt's
//! delivery steps. Every query names the clinic.

use std::collections::HashMap;

use diesel::prelude::*;

use super::status_of;
use crate::db::DbConn;
use crate::db::bookings::Booking;
use crate::db::check_ins::{self, CheckIn};
use crate::db::delivery_log::{self, DeliveryStep};
use crate::db::devices::{self, Device};
use crate::db::escalations::{self, Escalation};
use crate::db::patients::PatientProfile;
use crate::db::prompts::Prompt;
use crate::db::schema::{patient_profiles, prompts, session_bookings, treatments, users};
use crate::db::screenings::{self, Screening};
use crate::db::treatments::Treatment;
use crate::domain::{ClinicId, PatientId, PromptId};
use crate::error::Result;

/// A patient's record: the rows, each list in the order staff read it.
#[derive(Debug, Clone)]
pub struct PatientRecord {
    /// Empty for an erased patient.
    pub email: String,
    /// `invited`, `active`, `discharged` or `erased`.
    pub status: String,
    pub profile: PatientProfile,
    /// Newest first.
    pub treatments: Vec<Treatment>,
    /// In delivery order.
    pub prompts: Vec<Prompt>,
    /// Each prompt's delivery steps (channels tried, what was confirmed), oldest first; a
    /// prompt never attempted has no entry.
    pub deliveries: HashMap<PromptId, Vec<DeliveryStep>>,
    /// Newest first.
    pub check_ins: Vec<CheckIn>,
    /// Newest first.
    pub escalations: Vec<Escalation>,
    pub next_session: Option<Booking>,
    /// Pre-visit screenings, newest first.
    pub screenings: Vec<Screening>,
    /// The patient's phones registered for push, live or not, oldest first. A page shows what
    /// each is and whether it still takes notifications, never its token.
    pub devices: Vec<Device>,
}

/// One patient's record, or `NotFound` when they are not this clinic's. An erased patient's
/// record is the de-identified clinical record: no names, phone or email.
pub fn record(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<PatientRecord> {
    let (email, user_status, profile): (String, String, PatientProfile) = patient_profiles::table
        .inner_join(users::table)
        .filter(patient_profiles::user_id.eq(patient_id))
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(users::clinic_id.eq(clinic_id))
        .select((users::email, users::status, PatientProfile::as_select()))
        .first(conn)?;
    let treatments = treatments::table
        .filter(treatments::clinic_id.eq(clinic_id))
        .filter(treatments::patient_id.eq(patient_id))
        .order(treatments::performed_at.desc())
        .select(Treatment::as_select())
        .load(conn)?;
    let prompts = prompts::table
        .filter(prompts::clinic_id.eq(clinic_id))
        .filter(prompts::patient_id.eq(patient_id))
        .order((prompts::due_at.asc(), prompts::id.asc()))
        .select(Prompt::as_select())
        .load(conn)?;
    let ids: Vec<PromptId> = prompts.iter().map(|p| p.id.clone()).collect();
    let deliveries = delivery_log::steps_for_prompts(conn, &ids)?;
    let next_session = session_bookings::table
        .filter(session_bookings::clinic_id.eq(clinic_id))
        .filter(session_bookings::patient_id.eq(patient_id))
        .filter(session_bookings::cancelled_at.is_null())
        .select(Booking::as_select())
        .first(conn)
        .optional()?;
    Ok(PatientRecord {
        email: if profile.erased_at.is_some() {
            String::new()
        } else {
            email
        },
        status: status_of(&user_status, &profile),
        check_ins: check_ins::for_patient(conn, clinic_id, patient_id)?,
        escalations: escalations::for_patient(conn, clinic_id, patient_id)?,
        devices: devices::for_patient(conn, patient_id)?,
        screenings: screenings::for_patient(conn, clinic_id, patient_id)?,
        profile,
        treatments,
        prompts,
        deliveries,
        next_session,
    })
}
