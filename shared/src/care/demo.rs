//! The demo seed's own writes (`AFTERCARE_DEMO=on`, which the API refuses in production): the
//! demo clinic and its accounts, and one failed delivery for the timeline to show; and one
//! read, the prompts a demo patient has had so far (which the seed then acknowledges through
//! the patient's own use case, `care::prompts::acknowledge`). These are
//! not product workflows — they create accounts already active with a known password, skipping
//! invitations — so nothing here is audited, and this module stays that small: the seed's
//! clinical history (treatments, check-ins, bookings, discharge) goes through the product's
//! own use cases, so the demo shows what the product would have done.

use chrono::{Duration, NaiveDateTime};

use super::StaffActor;
use crate::db::deliveries::{self, Attempt, Resolution};
use crate::db::{Db, DbConn, clinics, new_id, patients, prompts, treatments, users};
use crate::domain::{
    ClinicId, DeliveryChannel, DeliveryOutcome, Locale, PatientId, PromptId, PromptStatus, Role,
    TimeZone, UserId, UserStatus,
};
use crate::error::Result;

/// The demo clinic, created under this name when no clinic has it.
#[derive(Debug, Clone)]
pub struct DemoClinic {
    pub name: String,
    pub timezone: TimeZone,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// A demo account, found by its email in the demo clinic or created as given.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    /// The account's display name.
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    /// A patient's profile; `None` for staff.
    pub patient: Option<DemoPatient>,
}

/// A demo patient's profile; the rest are the defaults of an enrolment (quiet hours
/// 21:00–08:00, push and email on, private lock-screen previews).
#[derive(Debug, Clone)]
pub struct DemoPatient {
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: TimeZone,
    pub locale: Locale,
}

fn insert_account(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    a: &DemoAccount,
    now: NaiveDateTime,
) -> Result<UserId> {
    let user = users::User {
        id: UserId::new(),
        clinic_id: clinic_id.clone(),
        email: a.email.clone(),
        name: a.name.clone(),
        role: a.role,
        status: a.status,
        password_hash: None,
        created_at: now,
        updated_at: now,
    };
    users::insert(conn, &user)?;
    if let Some(p) = &a.patient {
        let id = user.id.as_patient();
        let defaults = patients::PatientProfile::with_defaults(
            &id,
            clinic_id,
            &p.given_name,
            p.timezone,
            p.locale,
            now,
        );
        let profile = patients::PatientProfile {
            family_name: p.family_name.clone(),
            phone: p.phone.clone(),
            ..defaults
        };
        patients::insert(conn, &profile)?;
    }
    Ok(user.id)
}

/// In one transaction: finds the clinic named `clinic.name` or creates it, finds each of
/// `accounts` by email in it or creates it, and sets every one's password to `password_hash`
/// (a re-run resets the demo passwords and changes nothing else). Returns the clinic's id.
pub async fn seed_accounts(
    db: &Db,
    clinic: DemoClinic,
    accounts: Vec<DemoAccount>,
    password_hash: String,
    now: NaiveDateTime,
) -> Result<ClinicId> {
    db.transaction(move |conn| {
        let clinic_id = match clinics::find_by_name(conn, &clinic.name)? {
            Some(c) => c.id,
            None => {
                let c = clinics::Clinic {
                    id: ClinicId::new(),
                    name: clinic.name,
                    timezone: clinic.timezone,
                    contact_phone: clinic.contact_phone,
                    contact_email: clinic.contact_email,
                    created_at: now,
                    updated_at: now,
                };
                clinics::insert(conn, &c)?;
                c.id
            }
        };
        for a in &accounts {
            let id = match users::find_by_email_in_clinic(conn, &clinic_id, &a.email)? {
                Some(u) => u.id,
                None => insert_account(conn, &clinic_id, a, now)?,
            };
            users::set_password(conn, &id, &password_hash, now)?;
        }
        Ok(clinic_id)
    })
    .await
}

/// The staff member `staff_email` of the clinic named `clinic_name`, as the actor of the seed's
/// use cases; `None` when either is missing.
fn demo_staff(
    conn: &mut DbConn,
    clinic_name: &str,
    staff_email: &str,
) -> Result<Option<StaffActor>> {
    let Some(clinic) = clinics::find_by_name(conn, clinic_name)? else {
        return Ok(None);
    };
    Ok(
        users::find_by_email_in_clinic(conn, &clinic.id, staff_email)?.map(|s| StaffActor {
            clinic_id: clinic.id,
            user_id: s.id,
        }),
    )
}

/// Creates the demo caseload's `patients` (no passwords) in the clinic named `clinic_name`,
/// once, in one transaction: nothing is written, and the answer is `None`, when the clinic or
/// its staff member `staff_email` is missing or the first of `patients` exists already.
/// Otherwise the staff member as the actor of the seed's use cases, and the new patients' ids
/// in the order given.
pub async fn seed_caseload(
    db: &Db,
    clinic_name: &str,
    staff_email: &str,
    patients: Vec<DemoAccount>,
    now: NaiveDateTime,
) -> Result<Option<(StaffActor, Vec<PatientId>)>> {
    let (clinic_name, staff_email) = (clinic_name.to_owned(), staff_email.to_owned());
    db.transaction(move |conn| {
        let Some(actor) = demo_staff(conn, &clinic_name, &staff_email)? else {
            return Ok(None);
        };
        if let Some(first) = patients.first()
            && users::find_by_email_in_clinic(conn, &actor.clinic_id, &first.email)?.is_some()
        {
            return Ok(None);
        }
        let mut ids = Vec::with_capacity(patients.len());
        for p in &patients {
            ids.push(insert_account(conn, &actor.clinic_id, p, now)?.as_patient());
        }
        Ok(Some((actor, ids)))
    })
    .await
}

/// The staff member `staff_email` and the patient `patient_email` of the clinic named
/// `clinic_name`, when both exist and the patient has no treatment yet: who the demo's first
/// treatment is recorded by and for. `None` otherwise.
pub async fn untreated(
    db: &Db,
    clinic_name: &str,
    staff_email: &str,
    patient_email: &str,
) -> Result<Option<(StaffActor, PatientId)>> {
    let names = (
        clinic_name.to_owned(),
        staff_email.to_owned(),
        patient_email.to_owned(),
    );
    db.run(move |conn| {
        let (clinic_name, staff_email, patient_email) = names;
        let Some(actor) = demo_staff(conn, &clinic_name, &staff_email)? else {
            return Ok(None);
        };
        let Some(patient) = users::find_by_email_in_clinic(conn, &actor.clinic_id, &patient_email)?
        else {
            return Ok(None);
        };
        let patient_id = patient.id.as_patient();
        if treatments::current(conn, &patient_id)?.is_some() {
            return Ok(None);
        }
        Ok(Some((actor, patient_id)))
    })
    .await
}

/// Makes the earliest due prompt a dead letter, as the delivery worker does after its last
/// attempt (a push answered 410 with `error`), so the timeline shows a failed delivery with
/// its reason. Nothing is due: nothing changes.
pub async fn fail_earliest_delivery(db: &Db, error: String, now: NaiveDateTime) -> Result<()> {
    const WORKER: &str = "demo";
    // `deliveries::resolve` takes its own write transaction.
    db.run(move |conn| {
        let claimed = prompts::claim_due(conn, WORKER, now, now + Duration::minutes(1), 1)?;
        for p in claimed {
            let attempt = Attempt {
                id: new_id(),
                prompt_id: p.id.clone(),
                device_id: None,
                channel: DeliveryChannel::Apns,
                outcome: DeliveryOutcome::Failed,
                status_code: Some(410),
                error: Some(error.clone()),
                provider_id: None,
                worker_id: WORKER.into(),
                attempted_at: now,
            };
            let failed = Resolution::Failed {
                error: error.clone(),
            };
            deliveries::resolve(conn, &p.id, WORKER, &failed, &[attempt], now)?;
        }
        Ok(())
    })
    .await
}

/// The patient's prompts due by `now` that are waiting to be sent, earliest first, with their
/// due times: the seed backdates its caseload's treatments, so these are the prompts the patient
/// would have had by now (the delivery worker sends them when it starts).
pub async fn due_prompts(
    db: &Db,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<Vec<(PromptId, NaiveDateTime)>> {
    let patient_id = patient_id.to_owned();
    db.run(move |conn| {
        Ok(prompts::for_patient(conn, &patient_id)?
            .into_iter()
            .filter(|p| p.status == PromptStatus::Scheduled && p.due_at <= now)
            .map(|p| (p.id, p.due_at))
            .collect())
    })
    .await
}
