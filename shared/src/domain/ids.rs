//! Typed identifiers, one per aggregate, so a patient's id cannot be passed where a clinic's is
//! expected. Each is the text stored in the `id` column (and in the columns that reference it):
//! opaque to clients, minted as UUIDv7 text so new rows are time-ordered for index locality.
//!
//! Stored text is not re-validated on load: an id is only ever compared, never interpreted.

/// Defines one identifier newtype per name: `new`, `as_str`, `Display`, transparent serde, a
/// string schema, the `Text` column mapping, and conversions from and to `String`.
macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub struct $name(String);

        impl $name {
            /// A fresh identifier: UUIDv7 text (`0190b6c4-…`), time-ordered.
            // No `Default`: a default that mints a new random id would hide that it does.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Lets maps keyed by an id be looked up with a `&str`; hashing and ordering are the
        // inner string's, as `Borrow` requires.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some("Opaque identifier."))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        super::sql::text_sql!($name, |v| v.as_str(), |raw| Ok($name(raw.to_owned())));
    )+};
}

ids! {
    /// A clinic (`clinics.id`).
    ClinicId,
    /// A user of any role (`users.id`).
    UserId,
    /// A patient: the `users.id` of a user with role `patient` (`patient_profiles.user_id`, and
    /// every `patient_id` column).
    PatientId,
    /// A planned message (`prompts.id`).
    PromptId,
    /// A recorded treatment session (`treatments.id`).
    TreatmentId,
    /// A booked next session (`session_bookings.id`).
    BookingId,
    /// A registered push device (`devices.id`).
    DeviceId,
    /// A patient's check-in (`check_ins.id`).
    CheckInId,
    /// An escalation to the clinic (`escalations.id`).
    EscalationId,
    /// An urgent escalation's email round to the clinic's staff (`clinic_alerts.id`).
    ClinicAlertId,
    /// An important prompt's next step up the delivery ladder (`prompt_follow_ups.id`).
    FollowUpId,
    /// A login session (`sessions.id`).
    SessionId,
    /// A one-time invitation or password-reset code (`invitations.id`).
    InvitationId,
    /// A one-time sign-in code (`sign_in_codes.id`).
    SignInCodeId,
    /// A version of a clinic's own protocol (`clinic_protocols.id`).
    ProtocolId,
    /// A patient's pre-visit screening (`screenings.id`).
    ScreeningId,
}

impl UserId {
    /// The same account seen as a patient: a patient's id is their user id.
    pub fn as_patient(&self) -> PatientId {
        PatientId(self.0.clone())
    }
}

impl PatientId {
    /// The patient's account id (the same text).
    pub fn as_user(&self) -> UserId {
        UserId(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn new_ids_are_uuid_v7_text_and_distinct() {
        let (a, b) = (PatientId::new(), PatientId::new());
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(a.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
    }

    #[test]
    fn ids_are_plain_strings_on_the_wire_and_convert_both_ways() {
        let id = ClinicId::from("c-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"c-1\"");
        assert_eq!(serde_json::from_str::<ClinicId>("\"c-1\"").unwrap(), id);
        assert_eq!(id.to_string(), "c-1");
        assert!(id == "c-1");
        assert_eq!(String::from(id.clone()), "c-1");
        let by_id: HashMap<ClinicId, u8> = HashMap::from([(id, 1)]);
        assert_eq!(by_id.get("c-1"), Some(&1));
    }

    #[test]
    fn the_schema_is_a_string() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(UserId::schema()).unwrap();
        assert_eq!(schema["type"], "string");
    }
}
