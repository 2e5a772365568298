//! The push providers' refusals of our own settings (a wrong APNs topic, refused credentials, a
//! token of another Firebase project), kept per process so the readiness probes can name them
//! and each cause is logged at ERROR once while it lasts (`crate::push::PushOutcome::Misconfigured`).
//!
//! A cause closes after [`QUIET_FOR`] without that refusal, not at the provider's next success:
//! with some devices refused and others accepted (one app's topic wrong, another's right), a
//! success between two refusals would otherwise re-open the cause, re-log the ERROR and make
//! `/readyz` flap.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

/// How long a cause stays open after its last refusal: 10 minutes.
pub const QUIET_FOR: TimeDelta = TimeDelta::minutes(10);

/// One provider's refusal of our settings, as `/readyz` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushFault {
    /// `fcm` or `apns`.
    pub provider: String,
    /// The provider's code, e.g. `DeviceTokenNotForTopic`, `SENDER_ID_MISMATCH`.
    pub reason: String,
    /// Refusals of this cause since it (last) opened.
    pub count: u64,
    pub last_seen: DateTime<Utc>,
}

/// The causes seen, by (provider, reason). Cheap to clone; every clone sees the same set.
#[derive(Debug, Clone, Default)]
pub struct PushFaults {
    open: Arc<Mutex<BTreeMap<(String, String), PushFault>>>,
}

impl PushFaults {
    /// Notes one refusal at `at`; `true` when the cause opens (never seen, or not seen for
    /// [`QUIET_FOR`]), so the caller logs it.
    pub fn record(&self, provider: &str, reason: &str, at: DateTime<Utc>) -> bool {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (provider.to_owned(), reason.to_owned());
        let fault = open.entry(key).or_insert_with(|| PushFault {
            provider: provider.to_owned(),
            reason: reason.to_owned(),
            count: 0,
            last_seen: at,
        });
        let new = fault.count == 0 || at - fault.last_seen >= QUIET_FOR;
        if new {
            fault.count = 0;
        }
        fault.count += 1;
        fault.last_seen = at;
        new
    }

    /// The causes open now, by provider then reason.
    pub fn open(&self) -> Vec<PushFault> {
        self.open_at(Utc::now())
    }

    /// The causes open at `now`: seen within [`QUIET_FOR`] before it.
    pub fn open_at(&self, now: DateTime<Utc>) -> Vec<PushFault> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|_, f| now - f.last_seen < QUIET_FOR);
        open.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_opens_once_and_closes_after_ten_quiet_minutes() {
        let f = PushFaults::default();
        let at = Utc::now();
        assert!(f.record("apns", "BadTopic", at));
        assert!(!f.record("apns", "BadTopic", at + TimeDelta::minutes(9)));
        assert!(f.record("fcm", "SENDER_ID_MISMATCH", at));
        assert_eq!(f.open_at(at).len(), 2);
        assert_eq!(f.open_at(at).first().map(|c| c.count), Some(2));
        // Refusals 9 minutes apart keep the cause open, whatever succeeded in between.
        assert!(!f.record("apns", "BadTopic", at + TimeDelta::minutes(18)));
        let later = at + TimeDelta::minutes(27);
        let open = f.open_at(later);
        assert_eq!(open.len(), 1, "fcm's cause closed, apns's still open");
        assert_eq!(open.first().map(|c| c.count), Some(3));
        assert!(
            f.record("apns", "BadTopic", at + TimeDelta::minutes(28)),
            "new again after 10 quiet minutes"
        );
        assert_eq!(f.open_at(at + TimeDelta::minutes(28))[0].count, 1);
    }
}
