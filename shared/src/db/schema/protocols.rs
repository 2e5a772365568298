//! The tables of clinic-owned protocol versions and pre-visit screenings, part of the one schema
//! (`super`); written by hand to match `migrations/*/2026-12-08-290001_clinic_protocols/up.sql`
//! and `…-290002_screening_revision`.

diesel::table! {
    clinic_protocols (id) {
        id -> Text,
        clinic_id -> Text,
        version -> Integer,
        status -> Text,
        based_on -> Text,
        default_version -> Text,
        document -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_by -> Text,
        updated_at -> Timestamp,
        published_by -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    screenings (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        booking_id -> Text,
        contraindications -> Text,
        notes -> Nullable<Text>,
        flagged -> Bool,
        created_at -> Timestamp,
        booking_revision -> Integer,
    }
}

diesel::table! {
    clinic_protocol_edits (id) {
        id -> Text,
        protocol_id -> Text,
        clinic_id -> Text,
        actor_id -> Text,
        action -> Text,
        before -> Nullable<Text>,
        after -> Text,
        at -> Timestamp,
    }
}
