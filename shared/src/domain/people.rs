use std::fmt;

use chrono::NaiveTime;
use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use super::code_enum;
use super::sql::text_sql;

code_enum!(
    /// Who a user is. Staff roles are bound to one clinic; a patient to the clinic that enrolled them.
    Role { ClinicAdmin => "clinic_admin", Clinician => "clinician", Patient => "patient" }
);

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::ClinicAdmin | Role::Clinician)
    }
}

code_enum!(
    /// Where an account stands (`users.status`). `invited` has not accepted its invitation yet;
    /// `disabled` and `erased` (personal data erased, docs/CONTRACT.md `DELETE /v1/me`) get nothing sent.
    UserStatus {
        Invited => "invited", Active => "active", Disabled => "disabled", Erased => "erased",
    }
);

code_enum!(
    /// What a one-time code is for (`invitations.purpose`).
    InvitationPurpose { Invitation => "invitation", PasswordReset => "password_reset" }
);

code_enum!(Locale { En => "en", Es => "es" });

code_enum!(
    /// What a push device is: a phone app (`ios`, `android`) or a browser's Web Push
    /// subscription (`web`, the patient web app).
    Platform { Ios => "ios", Android => "android", Web => "web" }
);

code_enum!(
    /// What a push may show on a locked screen: `private` shows a neutral text only.
    LockScreenPreview { Private => "private", Full => "full" }
);

/// An IANA time zone name (`Europe/Madrid`), stored as that name in a `Text` column; a stored
/// name the time zone database does not know is a [`super::CorruptValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct TimeZone(pub chrono_tz::Tz);

text_sql!(TimeZone, |v| v.name(), |raw| {
    raw.parse::<chrono_tz::Tz>()
        .map(TimeZone)
        .map_err(|_| format!("{raw:?} is not an IANA time zone name"))
});

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| format!("{raw:?} is not an IANA time zone name such as Europe/Madrid"))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

/// A local wall-clock time, `HH:MM` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalTime(pub NaiveTime);

impl LocalTime {
    pub fn parse(raw: &str) -> Result<Self, String> {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map(LocalTime)
            .map_err(|_| format!("{raw:?} is not a time of day as HH:MM"))
    }

    pub fn hm(h: u32, m: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(h, m, 0).map(LocalTime)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl Serialize for LocalTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        LocalTime::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Local hours during which nothing but urgent messages is delivered. `start > end` wraps
/// midnight (22:00–07:00); `start == end` is rejected as meaningless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: LocalTime,
    pub end: LocalTime,
}

impl QuietHours {
    pub fn new(start: LocalTime, end: LocalTime) -> Result<Self, String> {
        if start == end {
            return Err("start and end must differ".into());
        }
        Ok(Self { start, end })
    }

    /// The product default: 21:00–08:00.
    pub fn default_night() -> Self {
        Self {
            start: LocalTime(NaiveTime::from_hms_opt(21, 0, 0).unwrap_or(NaiveTime::MIN)),
            end: LocalTime(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)),
        }
    }

    /// Whether a local time falls inside the quiet window (start inclusive, end exclusive).
    pub fn contains(&self, t: NaiveTime) -> bool {
        let (s, e) = (self.start.0, self.end.0);
        if s < e {
            s <= t && t < e
        } else {
            t >= s || t < e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_times_parse() {
        assert_eq!(
            TimeZone::parse("Europe/Madrid").unwrap().name(),
            "Europe/Madrid"
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert_eq!(LocalTime::parse("07:30").unwrap().to_string(), "07:30");
        assert!(LocalTime::parse("25:00").is_err());
        assert!(LocalTime::parse("7pm").is_err());
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = QuietHours::default_night();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert!(
            q.contains(t(21, 0))
                && q.contains(t(23, 59))
                && q.contains(t(0, 0))
                && q.contains(t(7, 59))
        );
        assert!(!q.contains(t(8, 0)) && !q.contains(t(12, 0)) && !q.contains(t(20, 59)));
        let day =
            QuietHours::new(LocalTime::hm(13, 0).unwrap(), LocalTime::hm(14, 0).unwrap()).unwrap();
        assert!(day.contains(t(13, 30)) && !day.contains(t(14, 0)));
        assert!(
            QuietHours::new(LocalTime::hm(9, 0).unwrap(), LocalTime::hm(9, 0).unwrap()).is_err()
        );
    }
}
