//! Domain types. Each `parse` constructor validates once, so code holding one never re-checks.
//! Wire names (`serde`) are the ones fixed by CONTRACT.md.

mod clinical;
mod people;

pub use clinical::{Area, CombinedWith, Contraindication, Device, NeedleDepth, Severity, Symptom};
pub use people::{
    Email, LocalTime, Locale, LockScreenPreview, Platform, QuietHours, Role, TimeZone,
};

/// Implements `as_str`, `parse`, `ALL`, `Display`, serde and the schema for a closed set of codes.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
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
    };
}
pub(crate) use code_enum;
