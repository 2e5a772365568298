//! Demo mode (`AFTERCARE_DEMO=on`): a clinic, a staff login and a patient to try the API with.
//! Refused in production. Re-running resets the demo passwords and changes nothing else.

use shared::Error;
use shared::auth::password;
use shared::care::treatments::TreatmentForm;
use shared::care::{self, StaffActor};
use shared::config::Environment;
use shared::db::{clinics, patients, treatments, users};
use shared::domain::{
    Area, ClinicId, Device, NeedleDepth, PatientId, Role, TimeZone, UserId, UserStatus,
};
use shared::time::now;

use crate::state::AppState;

pub const CLINIC_NAME: &str = "Demo Skin Clinic";
pub const STAFF_EMAIL: &str = "staff@demo.aftercare.local";
pub const PATIENT_EMAIL: &str = "patient@demo.aftercare.local";
pub const PASSWORD: &str = "demo-password-2026";

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if state.config.env == Environment::Production {
        anyhow::bail!("AFTERCARE_DEMO: demo mode is not allowed when AFTERCARE_ENV=production");
    }
    let hash = password::hash(PASSWORD)?;
    state
        .db
        .transaction(move |conn| {
            let t = now();
            let clinic = match clinics::find_by_name(conn, CLINIC_NAME)? {
                Some(c) => c,
                None => {
                    let c = clinics::Clinic {
                        id: ClinicId::new(),
                        name: CLINIC_NAME.into(),
                        timezone: TimeZone(chrono_tz::Europe::Madrid),
                        contact_phone: Some("+34 600 000 000".into()),
                        contact_email: Some("clinic@demo.aftercare.local".into()),
                        created_at: t,
                        updated_at: t,
                    };
                    clinics::insert(conn, &c)?;
                    c
                }
            };
            for (email, name, role) in [
                (STAFF_EMAIL, "Demo Clinician", Role::ClinicAdmin),
                (PATIENT_EMAIL, "Ana", Role::Patient),
            ] {
                let user = match users::find_by_email_in_clinic(conn, &clinic.id, email)? {
                    Some(u) => u,
                    None => {
                        let u = users::User {
                            id: UserId::new(),
                            clinic_id: clinic.id.clone(),
                            email: email.into(),
                            name: name.into(),
                            role,
                            status: UserStatus::Active,
                            password_hash: None,
                            created_at: t,
                            updated_at: t,
                        };
                        users::insert(conn, &u)?;
                        if role == Role::Patient {
                            patients::insert(
                                conn,
                                &demo_profile(&u.id.as_patient(), &clinic.id, t),
                            )?;
                        }
                        u
                    }
                };
                users::set_password(conn, &user.id, &hash, t)?;
            }
            Ok::<_, Error>(())
        })
        .await?;
    seed_treatment(state).await?;
    crate::demo_patients::seed(state, CLINIC_NAME, STAFF_EMAIL).await?;
    Ok(())
}

/// How to try the demo, for the API listening on `bound` (the address `AFTERCARE_BIND` gave,
/// with a wildcard such as `0.0.0.0` shown as the loopback a local client uses).
pub fn banner(bound: std::net::SocketAddr) -> String {
    let base = format!("http://{}", shared::healthcheck::local_address(bound));
    format!(
        "\nDemo mode: a demo clinic is ready.\n\
         \x20 staff (clinic admin): {STAFF_EMAIL} / {PASSWORD}\n\
         \x20 patient:              {PATIENT_EMAIL} / {PASSWORD}\n\
         Try:\n\
         \x20 curl -s {base}/v1/auth/login -H 'content-type: application/json' \\\n\
         \x20      -d '{{\"email\":\"{STAFF_EMAIL}\",\"password\":\"{PASSWORD}\"}}'\n\
         \x20 then call {base}/v1/clinic/patients with 'Authorization: Bearer <access_token>'.\n\
         API docs: {base}/docs/\n"
    )
}

/// Gives the demo patient a session recorded two days ago (face, 1.0 mm pen, session 1 of 3)
/// through the same use case as the clinic's route, so the timeline has content. Only once: a
/// patient with any treatment is left alone.
async fn seed_treatment(state: &AppState) -> Result<(), Error> {
    let found = state
        .db
        .run(|conn| {
            let Some(clinic) = clinics::find_by_name(conn, CLINIC_NAME)? else {
                return Ok(None);
            };
            let staff = users::find_by_email_in_clinic(conn, &clinic.id, STAFF_EMAIL)?;
            let patient = users::find_by_email_in_clinic(conn, &clinic.id, PATIENT_EMAIL)?;
            let (Some(staff), Some(patient)) = (staff, patient) else {
                return Ok(None);
            };
            let patient_id = patient.id.as_patient();
            if treatments::current(conn, &patient_id)?.is_some() {
                return Ok(None);
            }
            Ok(Some((clinic.id, staff.id, patient_id)))
        })
        .await?;
    let Some((clinic_id, staff_id, patient_id)) = found else {
        return Ok(());
    };
    let t = now();
    let actor = StaffActor {
        clinic_id,
        user_id: staff_id,
    };
    let form = TreatmentForm {
        performed_at: t - chrono::Duration::days(2),
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).map_err(|m| Error::Internal(anyhow::anyhow!(m)))?,
        device: Device::Pen,
        combined_with: Vec::new(),
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
        contraindications: Vec::new(),
        override_reason: None,
        notes: None,
    };
    care::treatments::record(&state.db, &state.protocol, &actor, &patient_id, form, t).await?;
    Ok(())
}

fn demo_profile(
    user_id: &PatientId,
    clinic_id: &ClinicId,
    t: chrono::NaiveDateTime,
) -> patients::PatientProfile {
    patients::PatientProfile {
        family_name: Some("Demo".into()),
        ..patients::PatientProfile::with_defaults(
            user_id,
            clinic_id,
            "Ana",
            shared::domain::TimeZone(chrono_tz::Europe::Madrid),
            shared::domain::Locale::En,
            t,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::banner;

    #[test]
    fn the_banner_shows_the_address_the_api_listens_on() {
        let shown = banner(([0, 0, 0, 0], 9000).into());
        assert!(
            shown.contains("curl -s http://127.0.0.1:9000/v1/auth/login"),
            "{shown}"
        );
        assert!(
            shown.contains("API docs: http://127.0.0.1:9000/docs/"),
            "{shown}"
        );
        assert!(!shown.contains(":8080"), "{shown}");
        let shown = banner(([192, 0, 2, 7], 8443).into());
        assert!(
            shown.contains("http://192.0.2.7:8443/v1/clinic/patients"),
            "{shown}"
        );
    }
}
