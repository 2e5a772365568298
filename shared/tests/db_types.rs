//! Typed columns through a real database on both backends: rows with ids, codes, time zones and
//! JSON lists load and filter through `DbConn` (the multi-backend connection) and through a
//! backend's own connection, and corrupt stored text comes back as an error, never a default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use shared::db::schema::{clinics, treatments, users};
use shared::db::types::{CorruptValue, JsonList};
use shared::db::{Backend, Db, DbConn, migrate};
use shared::domain::{
    Area, ClinicId, CombinedWith, Contraindication, DeliveryChannel, Device, PatientId,
    PromptStatus, Role, TimeZone, TreatmentId, UserId, UserStatus,
};
use shared::testing::TestDatabase;

/// Runs `test` on a migrated SQLite database and, when reachable, a PostgreSQL one.
fn on_each_backend(test: impl Fn(&mut DbConn)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(tdb) = TestDatabase::new(backend) else {
            continue;
        };
        let db = Db::connect(&tdb.url, 1).unwrap();
        let mut conn = db.get().unwrap();
        migrate::run_pending(&mut conn).unwrap();
        test(&mut conn);
    }
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = clinics)]
struct ClinicRow {
    id: ClinicId,
    name: String,
    timezone: TimeZone,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: UserId,
    clinic_id: ClinicId,
    email: String,
    name: String,
    role: Role,
    status: UserStatus,
    password_hash: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = treatments)]
struct TreatmentRow {
    id: TreatmentId,
    clinic_id: ClinicId,
    patient_id: PatientId,
    performed_at: NaiveDateTime,
    areas: JsonList<Area>,
    needle_depth_mm: f64,
    device: Device,
    combined_with: JsonList<CombinedWith>,
    session_number: i32,
    planned_sessions: i32,
    interval_weeks: i32,
    contraindications: JsonList<Contraindication>,
    override_reason: Option<String>,
    notes: Option<String>,
    protocol_version: String,
    recorded_by: UserId,
    created_at: NaiveDateTime,
}

fn user(clinic_id: &ClinicId, role: Role, status: UserStatus) -> UserRow {
    let id = UserId::new();
    UserRow {
        email: format!("{id}@example.test"),
        id,
        clinic_id: clinic_id.clone(),
        name: "Test".into(),
        role,
        status,
        password_hash: None,
        created_at: at("2025-03-01 09:00"),
        updated_at: at("2025-03-01 09:00"),
    }
}

#[test]
fn typed_rows_round_trip_and_filter_through_the_real_schema() {
    on_each_backend(|conn| {
        let clinic = ClinicRow {
            id: ClinicId::new(),
            name: "Clínica Sol".into(),
            timezone: TimeZone::parse("America/Argentina/Buenos_Aires").unwrap(),
            created_at: at("2025-03-01 09:00"),
            updated_at: at("2025-03-01 09:00"),
        };
        diesel::insert_into(clinics::table)
            .values(&clinic)
            .execute(conn)
            .unwrap();
        let loaded: ClinicRow = clinics::table
            .find(&clinic.id)
            .select(ClinicRow::as_select())
            .first(conn)
            .unwrap();
        assert_eq!(loaded, clinic);
        let zone: String = clinics::table
            .select(clinics::timezone)
            .first(conn)
            .unwrap();
        assert_eq!(
            zone, "America/Argentina/Buenos_Aires",
            "stored as the IANA name"
        );

        let clinician = user(&clinic.id, Role::Clinician, UserStatus::Active);
        let patient = user(&clinic.id, Role::Patient, UserStatus::Invited);
        for u in [&clinician, &patient] {
            diesel::insert_into(users::table)
                .values(u)
                .execute(conn)
                .unwrap();
        }
        let status: String = users::table
            .find(patient.id.as_str())
            .select(users::status)
            .first(conn)
            .unwrap();
        assert_eq!(status, "invited", "stored as the code");

        let staff: Vec<UserRow> = users::table
            .filter(users::clinic_id.eq(&clinic.id))
            .filter(users::role.eq_any([Role::Clinician, Role::ClinicAdmin]))
            .filter(users::status.eq(UserStatus::Active))
            .select(UserRow::as_select())
            .load(conn)
            .unwrap();
        assert_eq!(staff, std::slice::from_ref(&clinician));

        diesel::update(users::table.filter(users::id.eq(&patient.id)))
            .set(users::status.eq(UserStatus::Active))
            .execute(conn)
            .unwrap();
        let now_active: UserStatus = users::table
            .find(&patient.id)
            .select(users::status)
            .first(conn)
            .unwrap();
        assert_eq!(now_active, UserStatus::Active);

        let treatment = TreatmentRow {
            id: TreatmentId::new(),
            clinic_id: clinic.id.clone(),
            patient_id: PatientId::from(patient.id.as_str()),
            performed_at: at("2025-03-02 10:30"),
            areas: vec![Area::Face, Area::Neck].into(),
            needle_depth_mm: 1.0,
            device: Device::Pen,
            combined_with: JsonList::default(),
            session_number: 1,
            planned_sessions: 3,
            interval_weeks: 4,
            contraindications: vec![Contraindication::Rosacea].into(),
            override_reason: None,
            notes: None,
            protocol_version: "v1".into(),
            recorded_by: clinician.id.clone(),
            created_at: at("2025-03-02 10:30"),
        };
        diesel::insert_into(treatments::table)
            .values(&treatment)
            .execute(conn)
            .unwrap();
        let loaded: TreatmentRow = treatments::table
            .filter(treatments::patient_id.eq(&treatment.patient_id))
            .filter(treatments::device.eq(Device::Pen))
            .select(TreatmentRow::as_select())
            .first(conn)
            .unwrap();
        assert_eq!(loaded, treatment);
        let areas: String = treatments::table
            .select(treatments::areas)
            .first(conn)
            .unwrap();
        assert_eq!(areas, r#"["face","neck"]"#);
    });
}

// A table without the CHECK constraints of the real one, so corrupt text can be stored.
diesel::table! {
    stored_values (id) {
        id -> Text,
        status -> Text,
        zone -> Text,
        areas -> Text,
        channel -> Nullable<Text>,
    }
}

#[derive(Debug, PartialEq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = stored_values)]
struct Typed {
    id: String,
    status: PromptStatus,
    zone: TimeZone,
    areas: JsonList<Area>,
    channel: Option<DeliveryChannel>,
}

fn create_stored_values(conn: &mut DbConn) {
    conn.batch_execute(
        "CREATE TABLE stored_values (id TEXT PRIMARY KEY, status TEXT NOT NULL, \
         zone TEXT NOT NULL, areas TEXT NOT NULL, channel TEXT)",
    )
    .unwrap();
}

/// Stores raw text, bypassing the types.
fn store_raw(conn: &mut DbConn, id: &str, status: &str, zone: &str, areas: &str) {
    diesel::insert_into(stored_values::table)
        .values((
            stored_values::id.eq(id),
            stored_values::status.eq(status),
            stored_values::zone.eq(zone),
            stored_values::areas.eq(areas),
        ))
        .execute(conn)
        .unwrap();
}

fn load(conn: &mut DbConn, id: &str) -> QueryResult<Typed> {
    stored_values::table
        .find(id)
        .select(Typed::as_select())
        .first(conn)
}

/// The `CorruptValue` inside a failed load (diesel wraps it in the failing field's name).
fn corrupt(result: QueryResult<Typed>) -> CorruptValue {
    let Err(diesel::result::Error::DeserializationError(e)) = result else {
        panic!("expected a deserialisation error, got {result:?}");
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<CorruptValue>() {
            return found.clone();
        }
        cause = c.source();
    }
    panic!("no CorruptValue in {e:?}");
}

#[test]
fn nullable_codes_and_backend_specific_queries_load() {
    on_each_backend(|conn| {
        create_stored_values(conn);
        let row = Typed {
            id: "a".into(),
            status: PromptStatus::Sent,
            zone: TimeZone::parse("Europe/Madrid").unwrap(),
            areas: vec![Area::Scalp].into(),
            channel: Some(DeliveryChannel::Apns),
        };
        diesel::insert_into(stored_values::table)
            .values(&row)
            .execute(conn)
            .unwrap();
        store_raw(conn, "b", "scheduled", "Asia/Kolkata", "[]");
        assert_eq!(load(conn, "a").unwrap(), row);
        assert_eq!(load(conn, "b").unwrap().channel, None);

        let unsent: Vec<String> = stored_values::table
            .filter(stored_values::channel.is_null())
            .filter(stored_values::status.ne(PromptStatus::Sent))
            .select(stored_values::id)
            .load(conn)
            .unwrap();
        assert_eq!(unsent, ["b"]);

        // Raw SQL runs on the backend's own connection (as the outbox claim does).
        let query = sql_query("SELECT * FROM stored_values ORDER BY id");
        let rows: Vec<Typed> = match conn {
            DbConn::Pg(pg) => query.load(pg).unwrap(),
            DbConn::Sqlite(lite) => query.load(lite).unwrap(),
        };
        assert_eq!(rows[0], row);
        assert_eq!(rows[1].status, PromptStatus::Scheduled);

        diesel::update(stored_values::table.find("a"))
            .set(stored_values::channel.eq(None::<DeliveryChannel>))
            .execute(conn)
            .unwrap();
        assert_eq!(load(conn, "a").unwrap().channel, None);
    });
}

#[test]
fn corrupt_stored_text_is_an_error_naming_the_bad_value() {
    on_each_backend(|conn| {
        create_stored_values(conn);
        store_raw(conn, "code", "delivered", "Europe/Madrid", "[]");
        store_raw(conn, "zone", "sent", "Mars/Olympus", "[]");
        store_raw(conn, "json", "sent", "Europe/Madrid", r#"["face","elbow"]"#);
        store_raw(conn, "text", "sent", "Europe/Madrid", "face, neck");

        let e = corrupt(load(conn, "code"));
        assert_eq!(e.ty, "PromptStatus");
        assert!(e.reason.contains("\"delivered\""), "{e}");

        let e = corrupt(load(conn, "zone"));
        assert_eq!(e.ty, "TimeZone");
        assert!(e.reason.contains("\"Mars/Olympus\""), "{e}");

        let e = corrupt(load(conn, "json"));
        assert!(e.ty.contains("JsonList"), "{e}");
        assert!(e.reason.contains("elbow"), "{e}");

        let e = corrupt(load(conn, "text"));
        assert!(e.reason.starts_with("not a JSON list"), "{e}");

        diesel::update(stored_values::table.find("code"))
            .set((
                stored_values::status.eq("sent"),
                stored_values::channel.eq("pigeon"),
            ))
            .execute(conn)
            .unwrap();
        let e = corrupt(load(conn, "code"));
        assert_eq!(e.ty, "DeliveryChannel");
        assert!(e.reason.contains("\"pigeon\""), "{e}");

        // An internal error, not the client's, whose log line names the field and the value.
        let err = shared::Error::from(load(conn, "zone").unwrap_err());
        assert!(matches!(err, shared::Error::Database(_)), "{err:?}");
        let logged = err.to_string();
        assert!(
            logged.contains("'zone'") && logged.contains("Mars/Olympus"),
            "{logged}"
        );
    });
}
