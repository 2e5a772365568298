//! Domain types. Each `parse` constructor validates once, so code holding one never re-checks.
//! Wire names (`serde`) are the ones fixed by docs/CONTRACT.md; the same codes and names are what the
//! database stores, so row structs can hold these types directly (see [`CorruptValue`]).

mod audit;
mod clinical;
mod delivery;
mod delivery_failure;
pub mod email;
mod escalation;
mod ids;
mod people;
pub mod phone;
mod plan;
mod protocol;
pub mod search;
mod sms;
mod sql;
pub mod web_push;

pub use audit::AuditAction;
pub use clinical::{Area, CombinedWith, Contraindication, Device, NeedleDepth, Severity, Symptom};
pub use delivery::{
    ApnsEnvironment, DeliveryChannel, DeliveryOutcome, DeliveryStepStatus, PromptKind,
    PromptStatus, PushProvider,
};
pub use delivery_failure::DeliveryFailure;
pub use email::Email;
pub use escalation::{ClinicAlertStatus, EscalationStatus, TriageReason};
pub use ids::{
    BookingId, CheckInId, ClinicAlertId, ClinicId, DeviceId, EscalationId, FollowUpId,
    InvitationId, PatientId, PromptId, ProtocolId, ScreeningId, SessionId, SignInCodeId,
    TreatmentId, UserId,
};
pub use people::{
    InvitationPurpose, LocalTime, Locale, LockScreenPreview, Platform, QuietHours, Role, TimeZone,
    UserStatus,
};
pub use phone::{E164, PhoneError};
pub use plan::PlannedPrompt;
pub use protocol::{ProtocolEditAction, ProtocolStatus};
pub use search::{SearchTerms, search_key};
pub use sms::{CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource, SmsKeyword, SmsReceipt};
pub use sql::CorruptValue;
pub use web_push::{EndpointPolicy, WebPushSubscription};

/// Implements `as_str`, `parse`, `ALL`, `Display`, serde, the schema and the `Text` column
/// mapping (the code is what is stored; an unknown stored code is a [`CorruptValue`]) for a
/// closed set of codes.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::domain::sql::text_sql!(
            $name,
            |v| v.as_str(),
            |raw| $name::parse(raw).ok_or_else(|| format!("{raw:?} is not a known code")),
        );
    };
}
pub(crate) use code_enum;
