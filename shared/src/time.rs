//! Time as the database stores it: UTC, microsecond precision (PostgreSQL's), naive.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Now, truncated to what both backends round-trip exactly.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
