//! The tables of texts (SMS) and of the delivery ladder's outbox, part of the one schema
//! (`super`); written by hand to match `migrations/*/2026-12-07-280001_sms/up.sql`.

diesel::table! {
    sms_consents (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        granted -> Bool,
        text_version -> Text,
        source -> Text,
        method -> Text,
        recorded_by -> Nullable<Text>,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_inbound (id) {
        id -> Text,
        provider_id -> Text,
        from_phone -> Text,
        to_phone -> Text,
        body -> Text,
        keyword -> Nullable<Text>,
        clinic_id -> Nullable<Text>,
        patient_id -> Nullable<Text>,
        replied -> Bool,
        received_at -> Timestamp,
    }
}

diesel::table! {
    sms_status_events (provider_id, status) {
        provider_id -> Text,
        status -> Text,
        error_code -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    prompt_follow_ups (id) {
        id -> Text,
        prompt_id -> Text,
        rung -> Integer,
        status -> Text,
        attempts -> Integer,
        available_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}
