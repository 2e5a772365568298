//! The send recorded on a prompt row (`migrations/*/2026-12-08-300001_prompt_sent_inline`), part
//! of the one schema (`super`): the columns of `prompts` that `super::super::deliveries::inline`
//! reads and writes, with those it needs beside them. Declared as a table of their own because
//! `prompts` is at diesel's 32-column limit (the workspace's `32-column-tables` feature; 64
//! columns would slow every build of every crate): SQL name `prompts`, the same rows.

diesel::table! {
    #[sql_name = "prompts"]
    prompt_sends (id) {
        id -> Text,
        patient_id -> Text,
        channel -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        /// The device it went to (NULL for email). No foreign key: device ids are opaque, and
        /// a deleted device leaves its id (erasure clears it, as the attempts' key does theirs).
        sent_device_id -> Nullable<Text>,
        /// The provider's message id, as `delivery_attempts.provider_id`.
        sent_provider_id -> Nullable<Text>,
        sent_status_code -> Nullable<Integer>,
        /// Set: this prompt's one successful send is recorded here and has no attempt row.
        sent_worker_id -> Nullable<Text>,
    }
}
