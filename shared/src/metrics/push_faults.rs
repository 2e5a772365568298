//! The push providers' refusals of our own settings (a wrong APNs topic, refused credentials, a
//! token of another Firebase project), kept per process so the readiness probes can name them
//! and the first of each cause is logged once at ERROR (`crate::push::PushOutcome::Misconfigured`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

/// One provider's refusal of our settings, as `/readyz` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushFault {
    /// `fcm` or `apns`.
    pub provider: String,
    /// The provider's code, e.g. `DeviceTokenNotForTopic`, `SENDER_ID_MISMATCH`.
    pub reason: String,
    /// Refusals of this cause since it was first seen (or since the provider last accepted).
    pub count: u64,
    pub last_seen: DateTime<Utc>,
}

/// The open causes, by (provider, reason). Cheap to clone; every clone sees the same set.
#[derive(Debug, Clone, Default)]
pub struct PushFaults {
    open: Arc<Mutex<BTreeMap<(String, String), PushFault>>>,
}

impl PushFaults {
    /// Notes one refusal; `true` when the cause is new (not seen since the provider last
    /// accepted a message), so the caller logs it once.
    pub fn record(&self, provider: &str, reason: &str, at: DateTime<Utc>) -> bool {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (provider.to_owned(), reason.to_owned());
        let mut new = false;
        let fault = open.entry(key).or_insert_with(|| {
            new = true;
            PushFault {
                provider: provider.to_owned(),
                reason: reason.to_owned(),
                count: 0,
                last_seen: at,
            }
        });
        fault.count += 1;
        fault.last_seen = at;
        new
    }

    /// `provider` accepted a message: its settings work (again), its causes are closed.
    pub fn cleared(&self, provider: &str) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if !open.is_empty() {
            open.retain(|(p, _), _| p != provider);
        }
    }

    /// The open causes, by provider then reason.
    pub fn open(&self) -> Vec<PushFault> {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_new_once_and_closes_when_its_provider_accepts() {
        let f = PushFaults::default();
        let at = Utc::now();
        assert!(f.record("apns", "BadTopic", at));
        assert!(!f.record("apns", "BadTopic", at));
        assert!(f.record("fcm", "SENDER_ID_MISMATCH", at));
        assert_eq!(f.open().len(), 2);
        assert_eq!(f.open()[0].count, 2);
        f.cleared("apns");
        assert_eq!(f.open().len(), 1);
        assert!(
            f.record("apns", "BadTopic", at),
            "new again after a success"
        );
    }
}
