//! Series resolved once and kept, for the drain's per-send counts.

use std::sync::{Arc, RwLock};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use super::{ChannelLabels, DeliveryLabels, Metrics};

/// The series of one metric family for each label value seen, resolved once and kept: the
/// drain counts the same few channels and outcomes for every send, and a family lookup
/// (`Family::get_or_create`) allocates and hashes its labels every time. The keys are the
/// product's closed codes (`&'static str`), so the entries are few and compared by value in a
/// short list. Cheap to clone; every clone shares the entries.
pub struct Resolved<K, M> {
    entries: Arc<RwLock<Vec<(K, M)>>>,
}

impl<K, M> Clone for Resolved<K, M> {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
        }
    }
}

impl<K, M> Default for Resolved<K, M> {
    fn default() -> Self {
        Self {
            entries: Arc::default(),
        }
    }
}

impl<K: Copy + PartialEq, M: Clone> Resolved<K, M> {
    /// The series for `key`, from `resolve` (the family's lookup) the first time only.
    pub fn get(&self, key: K, resolve: impl FnOnce() -> M) -> M {
        if let Ok(entries) = self.entries.read() {
            if let Some((_, m)) = entries.iter().find(|(k, _)| *k == key) {
                return m.clone();
            }
        }
        let m = resolve();
        if let Ok(mut entries) = self.entries.write() {
            if !entries.iter().any(|(k, _)| *k == key) {
                entries.push((key, m.clone()));
            }
        }
        m
    }
}

/// The series every send counts into, resolved once per label value ([`Resolved`]).
#[derive(Clone, Default)]
pub(super) struct ResolvedSeries {
    deliveries: Resolved<(&'static str, &'static str), Counter>,
    provider_duration: Resolved<&'static str, Histogram>,
    lateness: Resolved<&'static str, Histogram>,
    pub(super) quota_wait: Resolved<&'static str, Histogram>,
}

impl Metrics {
    /// One delivery attempt on `channel` came to `outcome` (both closed codes).
    pub fn delivery(&self, channel: &'static str, outcome: &'static str) {
        self.resolved
            .deliveries
            .get((channel, outcome), || {
                self.deliveries
                    .get_or_create(&DeliveryLabels {
                        channel: channel.to_owned(),
                        outcome: outcome.to_owned(),
                    })
                    .clone()
            })
            .inc();
    }

    pub(super) fn channel(
        family: &Family<ChannelLabels, Histogram>,
        resolved: &Resolved<&'static str, Histogram>,
        channel: &'static str,
        value: f64,
    ) {
        resolved
            .get(channel, || {
                family
                    .get_or_create(&ChannelLabels {
                        channel: channel.to_owned(),
                    })
                    .clone()
            })
            .observe(value);
    }

    /// One provider request on `channel` took `seconds`.
    pub fn provider_request(&self, channel: &'static str, seconds: f64) {
        Self::channel(
            &self.provider_duration,
            &self.resolved.provider_duration,
            channel,
            seconds,
        );
    }

    /// A prompt due at some time was delivered on `channel` `seconds` later (0 when early).
    pub fn delivered_late(&self, channel: &'static str, seconds: f64) {
        Self::channel(
            &self.lateness,
            &self.resolved.lateness,
            channel,
            seconds.max(0.0),
        );
    }
}
