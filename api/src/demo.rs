//! Demo mode (`AFTERCARE_DEMO=on`): a clinic, a staff login and a patient to try the API with.
//! Refused in production. Re-running resets the demo passwords and changes nothing else.

use shared::Error;
use shared::auth::password;
use shared::care;
use shared::care::demo::{DemoAccount, DemoClinic, DemoPatient};
use shared::care::treatments::TreatmentForm;
use shared::config::Environment;
use shared::domain::{Area, Device, Locale, NeedleDepth, Role, TimeZone, UserStatus};
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
    let madrid = TimeZone(chrono_tz::Europe::Madrid);
    let clinic = DemoClinic {
        name: CLINIC_NAME.into(),
        timezone: madrid,
        contact_phone: Some("+34 600 000 000".into()),
        contact_email: Some("clinic@demo.aftercare.local".into()),
    };
    let accounts = vec![
        DemoAccount {
            email: STAFF_EMAIL.into(),
            name: "Demo Clinician".into(),
            role: Role::ClinicAdmin,
            status: UserStatus::Active,
            patient: None,
        },
        DemoAccount {
            email: PATIENT_EMAIL.into(),
            name: "Ana".into(),
            role: Role::Patient,
            status: UserStatus::Active,
            patient: Some(DemoPatient {
                given_name: "Ana".into(),
                family_name: Some("Demo".into()),
                phone: None,
                timezone: madrid,
                locale: Locale::En,
            }),
        },
    ];
    care::demo::seed_accounts(&state.db, clinic, accounts, hash, now()).await?;
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
         Clinic console: {base}/console/   Patient web app: {base}/app/\n\
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
    let found = care::demo::untreated(&state.db, CLINIC_NAME, STAFF_EMAIL, PATIENT_EMAIL).await?;
    let Some((actor, patient_id)) = found else {
        return Ok(());
    };
    let t = now();
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
    care::treatments::record(&state.db, &state.protocols, &actor, &patient_id, form, t).await?;
    Ok(())
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
