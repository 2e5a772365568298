//! Users of every role. A user belongs to exactly one clinic; staff queries always filter by it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::users;
use crate::domain::UserStatus;
use crate::domain::{ClinicId, Locale, UserId};
use crate::domain::{Email, Role};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub clinic_id: ClinicId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

pub fn insert(conn: &mut DbConn, user: &User) -> Result<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &UserId) -> Result<User> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)?)
}

/// The users among `ids` that exist, in no particular order: one query for a worker's read window.
pub fn find_many(conn: &mut DbConn, ids: &[&UserId]) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)?)
}

/// A user of the given clinic; another clinic's user is `NotFound`.
pub fn find_in_clinic(conn: &mut DbConn, clinic_id: &ClinicId, id: &UserId) -> Result<User> {
    Ok(users::table
        .filter(users::id.eq(id))
        .filter(users::clinic_id.eq(clinic_id))
        .select(User::as_select())
        .first(conn)?)
}

/// The console language a staff member chose (`None`: follow the browser).
pub fn locale(conn: &mut DbConn, id: &UserId) -> Result<Option<Locale>> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(users::locale)
        .first::<Option<Locale>>(conn)?)
}

/// Stores (or, with `None`, forgets) a staff member's console language.
pub fn set_locale(
    conn: &mut DbConn,
    id: &UserId,
    locale: Option<Locale>,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((users::locale.eq(locale), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Every account with this (normalised) email, across clinics.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .load(conn)?)
}

/// Every patient account whose stored phone has exactly these digits (`34600111222` finds
/// `+34 600 111 222`), across clinics; erased profiles are never found. `digits` holds ASCII
/// digits only (anything else finds nobody). Narrowed in SQL by the profile's search key,
/// which holds the phone's digits, then compared digit for digit.
///
/// Cost: `LIKE '%digits%'` cannot use an index, so this scans every patient profile (of all
/// clinics) on each call. There is no column holding just the phone's digits to match exactly
/// (the search key mixes the name, email and phone), and adding one needs a migration and a
/// backfill; until then the sign-in code routes that call it bound how many run at once and
/// throttle them per number and per client address.
pub fn find_patients_by_phone_digits(conn: &mut DbConn, digits: &str) -> Result<Vec<User>> {
    use super::schema::patient_profiles;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    let rows: Vec<(User, Option<String>)> = users::table
        .inner_join(patient_profiles::table.on(patient_profiles::user_id.eq(users::id)))
        .filter(patient_profiles::erased_at.is_null())
        .filter(patient_profiles::search_key.like(format!("%{digits}%")))
        .select((User::as_select(), patient_profiles::phone))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, phone)| {
            phone
                .as_deref()
                .is_some_and(|p| crate::domain::search::digits(p) == digits)
        })
        .map(|(user, _)| user)
        .collect())
}

pub fn find_by_email_in_clinic(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    email: &str,
) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::clinic_id.eq(clinic_id))
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_password(conn: &mut DbConn, id: &UserId, hash: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::status.eq(UserStatus::Active),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes an account that is still `invited` (an invitation that could not be delivered is
/// taken back); an account activated meanwhile is kept. Returns whether a row was deleted.
pub fn delete_if_invited(conn: &mut DbConn, id: &UserId) -> Result<bool> {
    let n = diesel::delete(
        users::table
            .filter(users::id.eq(id))
            .filter(users::status.eq(UserStatus::Invited)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Erases an account: the email becomes a placeholder that can reach no one
/// (`erased-<id>@erased.invalid`, RFC 2606 reserves `.invalid`) and stays unique in its clinic,
/// the name is emptied, the password hash dropped (no login can succeed) and the status set to
/// `erased`.
pub fn erase(conn: &mut DbConn, id: &UserId, now: NaiveDateTime) -> Result<()> {
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(format!("erased-{id}@erased.invalid")),
            users::name.eq(""),
            users::password_hash.eq(None::<String>),
            users::status.eq(UserStatus::Erased),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The clinic's staff accounts (admins and clinicians, any status), by name.
pub fn staff_of(conn: &mut DbConn, clinic_id: &ClinicId) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::clinic_id.eq(clinic_id))
        .filter(users::role.eq_any([Role::ClinicAdmin, Role::Clinician]))
        .order((users::name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)?)
}

/// Sets an account's status (deactivation: `disabled`).
pub fn set_status(
    conn: &mut DbConn,
    id: &UserId,
    status: UserStatus,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(users::table.find(id))
        .set((users::status.eq(status), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// What [`normalise_stored_emails`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Normalised {
    /// Addresses rewritten to their one stored form.
    pub rewritten: usize,
    /// Addresses left as they were: another account of the clinic already has the stored form
    /// (one mailbox, two accounts: for the clinic to sort out), or the address is one the
    /// current rules refuse (a non-ASCII part before the @).
    pub left: usize,
}

/// Rewrites addresses stored before domains were normalised (an internationalised domain in
/// Unicode, `ana@bücher.example`) to their one stored form ([`Email::parse`]:
/// `ana@xn--bcher-kva.example`), and refreshes a patient's search key with it. Only addresses
/// with a non-ASCII character can differ from their stored form (stored addresses were
/// already trimmed and lower-cased), so only those are read: a no-op once none is left, and
/// idempotent. An address whose stored form another account of its clinic already has is left
/// as it is and logged with both account ids (never the address).
pub fn normalise_stored_emails(conn: &mut DbConn) -> Result<Normalised> {
    let non_ascii = match conn.backend() {
        super::Backend::Postgres => "email ~ '[^ -~]'",
        super::Backend::Sqlite => "email GLOB '*[^ -~]*'",
    };
    let rows: Vec<(UserId, ClinicId, String, Role)> = users::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(non_ascii))
        .order(users::id.asc())
        .select((users::id, users::clinic_id, users::email, users::role))
        .load(conn)?;
    let mut done = Normalised::default();
    for (id, clinic_id, stored, role) in rows {
        let Ok(email) = Email::parse(&stored) else {
            done.left += 1;
            continue;
        };
        let rewritten = super::write_transaction(conn, |c| {
            let holder: Option<UserId> = users::table
                .filter(users::clinic_id.eq(&clinic_id))
                .filter(users::email.eq(email.as_str()))
                .select(users::id)
                .first(c)
                .optional()?;
            if let Some(holder) = holder {
                tracing::warn!(
                    user_id = %id,
                    other_user_id = %holder,
                    "two accounts of one clinic have one email address in two spellings; \
                     left as they are"
                );
                return Ok(false);
            }
            diesel::update(users::table.find(&id).filter(users::email.eq(&stored)))
                .set(users::email.eq(email.as_str()))
                .execute(c)?;
            if role == Role::Patient {
                super::patients::refresh_search_key(c, &id.as_patient())?;
            }
            Ok(true)
        })?;
        if rewritten {
            done.rewritten += 1;
        } else {
            done.left += 1;
        }
    }
    Ok(done)
}
