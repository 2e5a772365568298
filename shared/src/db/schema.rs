//! The one diesel schema for both backends. Written by hand to match `migrations/*/up.sql`;
//! `tests/schema_parity.rs` checks that both migration sets produce exactly these columns.

diesel::table! {
    clinics (id) {
        id -> Text,
        name -> Text,
        timezone -> Text,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        clinic_id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    patient_profiles (user_id) {
        user_id -> Text,
        clinic_id -> Text,
        given_name -> Text,
        family_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        timezone -> Text,
        locale -> Text,
        quiet_start -> Nullable<Text>,
        quiet_end -> Nullable<Text>,
        push_enabled -> Bool,
        email_enabled -> Bool,
        lock_screen_preview -> Text,
        discharged_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_text -> Text,
        /// `shared::domain::search::search_key` of the names, email and phone; NULL until the
        /// start-up backfill computes it, '' once erased.
        search_key -> Nullable<Text>,
        /// The patient's own switch for texts: effective only with a granted consent in force
        /// (`sms_consents`) and a phone that is a valid E.164 number.
        sms_enabled -> Bool,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        failed_attempts -> Integer,
    }
}

diesel::table! {
    console_sessions (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        successor_sealed -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    push_quotas (key) {
        key -> Text,
        window_start -> Timestamp,
        used -> BigInt,
        granted -> BigInt,
        paused_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    treatments (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        performed_at -> Timestamp,
        areas -> Text,
        needle_depth_mm -> Double,
        device -> Text,
        combined_with -> Text,
        session_number -> Integer,
        planned_sessions -> Integer,
        interval_weeks -> Integer,
        contraindications -> Text,
        override_reason -> Nullable<Text>,
        notes -> Nullable<Text>,
        protocol_version -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
        protocol_id -> Nullable<Text>,
    }
}

diesel::table! {
    session_bookings (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        starts_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        revision -> Integer,
        moved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    prompts (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        treatment_id -> Nullable<Text>,
        booking_id -> Nullable<Text>,
        kind -> Text,
        prompt_key -> Text,
        day -> Integer,
        urgent -> Bool,
        idempotency_key -> Text,
        title -> Text,
        body -> Text,
        locale -> Text,
        timezone -> Text,
        local_date -> Text,
        local_time -> Text,
        due_at -> Timestamp,
        available_at -> Timestamp,
        status -> Text,
        attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        channel -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        important -> Bool,
        ack_window_secs -> Nullable<Integer>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        patient_id -> Text,
        platform -> Text,
        token -> Text,
        app_version -> Nullable<Text>,
        active -> Bool,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        provider -> Text,
        apns_environment -> Nullable<Text>,
        webpush_p256dh -> Nullable<Text>,
        webpush_auth -> Nullable<Text>,
    }
}

diesel::table! {
    vapid_keys (id) {
        id -> Integer,
        private_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> Text,
        prompt_id -> Text,
        device_id -> Nullable<Text>,
        channel -> Text,
        outcome -> Text,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        worker_id -> Text,
        attempted_at -> Timestamp,
        receipt -> Nullable<Text>,
        receipt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    check_ins (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        treatment_id -> Nullable<Text>,
        day -> Nullable<Integer>,
        redness -> Integer,
        swelling -> Integer,
        pain -> Integer,
        peeling -> Bool,
        symptoms -> Text,
        severity -> Text,
        escalated -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    escalations (id) {
        id -> Text,
        clinic_id -> Text,
        patient_id -> Text,
        check_in_id -> Nullable<Text>,
        reason -> Text,
        severity -> Text,
        status -> Text,
        resolution_note -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        clinic_id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        patient_id -> Nullable<Text>,
        at -> Timestamp,
        subject_ids -> Nullable<Text>,
    }
}

diesel::table! {
    job_runs (job, period) {
        job -> Text,
        period -> Text,
        worker_id -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

mod protocols;
mod sends;
mod sms;
pub use protocols::{clinic_protocol_edits, clinic_protocols, screenings};
pub use sends::prompt_sends;
pub use sms::{prompt_follow_ups, sms_consents, sms_inbound, sms_status_events};

diesel::joinable!(users -> clinics (clinic_id));
diesel::joinable!(patient_profiles -> users (user_id));
diesel::joinable!(invitations -> users (user_id));
diesel::joinable!(sign_in_codes -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(console_sessions -> sessions (session_id));
diesel::joinable!(treatments -> clinics (clinic_id));
diesel::joinable!(prompts -> treatments (treatment_id));
diesel::joinable!(delivery_attempts -> prompts (prompt_id));
diesel::joinable!(prompt_follow_ups -> prompts (prompt_id));
diesel::joinable!(check_ins -> clinics (clinic_id));
diesel::joinable!(escalations -> check_ins (check_in_id));

diesel::table! {
    clinic_alerts (id) {
        id -> Text,
        clinic_id -> Text,
        escalation_id -> Text,
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

diesel::allow_tables_to_appear_in_same_query!(
    clinics,
    clinic_protocols,
    clinic_protocol_edits,
    screenings,
    users,
    patient_profiles,
    invitations,
    sign_in_codes,
    sessions,
    console_sessions,
    refresh_tokens,
    login_throttle,
    push_quotas,
    treatments,
    session_bookings,
    prompts,
    prompt_sends,
    devices,
    delivery_attempts,
    check_ins,
    escalations,
    audit_log,
    job_runs,
    clinic_alerts,
    sms_consents,
    sms_inbound,
    prompt_follow_ups,
);

// The digest counts open escalations by clinic and severity beside the clinic's name, address
// and time zone.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    escalations::clinic_id,
    escalations::severity,
    clinics::name,
    clinics::contact_email,
    clinics::timezone,
);
