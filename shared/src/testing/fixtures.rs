//! Rows for tests, written straight to the database (no HTTP), so a test can start from "a
//! clinic with a clinician and an enrolled patient" in one line.

use crate::db::{DbConn, clinics, new_id, patients, users};
use crate::domain::{ClinicId, Role, UserId, UserStatus};
use crate::time::now;

pub fn clinic(conn: &mut DbConn, name: &str) -> clinics::Clinic {
    let t = now();
    let c = clinics::Clinic {
        id: ClinicId::new(),
        name: name.to_owned(),
        timezone: crate::domain::TimeZone(chrono_tz::Europe::Madrid),
        contact_phone: Some("+34 600 000 000".into()),
        contact_email: Some(format!("{}@clinic.test", new_id())),
        created_at: t,
        updated_at: t,
    };
    clinics::insert(conn, &c).unwrap_or_else(|e| panic!("{e}"));
    c
}

/// An active user (staff or patient) with the password `fixture-password-1`.
pub fn user(conn: &mut DbConn, clinic_id: impl AsRef<str>, role: &str) -> users::User {
    let t = now();
    let id = UserId::new();
    let u = users::User {
        email: format!("{role}-{id}@example.test"),
        id,
        clinic_id: ClinicId::from(clinic_id.as_ref()),
        name: format!("Test {role}"),
        role: Role::parse(role).unwrap_or_else(|| panic!("unknown role {role}")),
        status: UserStatus::Active,
        password_hash: Some(FIXTURE_PASSWORD_HASH.with(|h| h.clone())),
        created_at: t,
        updated_at: t,
    };
    users::insert(conn, &u).unwrap_or_else(|e| panic!("{e}"));
    u
}

pub const FIXTURE_PASSWORD: &str = "fixture-password-1";

thread_local! {
    static FIXTURE_PASSWORD_HASH: String =
        crate::auth::password::hash(FIXTURE_PASSWORD).unwrap_or_else(|e| panic!("{e}"));
}

/// An active patient with a profile in `timezone` (quiet hours 21:00–08:00, push and email on).
pub fn patient(
    conn: &mut DbConn,
    clinic_id: impl AsRef<str>,
    timezone: &str,
) -> (users::User, patients::PatientProfile) {
    let clinic_id = ClinicId::from(clinic_id.as_ref());
    let u = user(conn, &clinic_id, "patient");
    let t = now();
    let tz = crate::domain::TimeZone::parse(timezone).unwrap_or_else(|e| panic!("{e}"));
    let p = patients::PatientProfile {
        family_name: Some("Test".into()),
        ..patients::PatientProfile::with_defaults(
            &u.id.as_patient(),
            &clinic_id,
            "Ana",
            tz,
            crate::domain::Locale::En,
            t,
        )
    };
    patients::insert(conn, &p).unwrap_or_else(|e| panic!("{e}"));
    (u, p)
}

/// A well-formed APNs device token, distinct per `seed` (64 hexadecimal digits).
pub fn apns_token(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A well-formed FCM registration token, distinct per `seed` (letters, digits, `-`, `:`).
pub fn fcm_token(seed: &str) -> String {
    let name = seed.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    format!("{name}:APA91b{}", &apns_token(seed)[..32])
}
