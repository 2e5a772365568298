//! What every handler can reach. Built once at start from the typed configuration.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::care::{Db, Protocols};
use shared::config::Config;
use shared::delivery::{Heartbeat, Wakes};
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::protocol::Protocol;

use crate::pagination::Cursors;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: TokenKeys,
    /// Signs and checks list cursors ([`crate::pagination`]).
    pub cursors: Cursors,
    pub metrics: Metrics,
    pub mailer: Mailer,
    /// The product's default protocol and the clinics' published versions
    /// ([`Protocols::of`] for a treatment's, [`Protocols::published`] for a new one's).
    pub protocols: Protocols,
    /// The embedded delivery loop's heartbeat, which `/readyz` reports; `None` when this
    /// process runs no loop.
    pub worker_health: Option<Heartbeat>,
    /// Rings the embedded delivery loop when a request writes work due now (an urgent
    /// check-in's clinic alert), so SQLite, which has no notifications, need not wait for the
    /// tick; `None` when this process runs no loop.
    pub worker_wakes: Option<Wakes>,
    /// The VAPID public key browsers subscribe with (base64url); `None` when Web Push is off.
    pub vapid_public_key: Option<Arc<str>>,
}

impl AppState {
    pub fn new(
        db: Db,
        config: Arc<Config>,
        metrics: Metrics,
        mailer: Mailer,
        protocol: Arc<Protocol>,
    ) -> Self {
        Self {
            vapid_public_key: shared::care::web_push::public_key(&config).map(Arc::from),
            tokens: TokenKeys::new(&config.jwt),
            cursors: Cursors::new(config.jwt.secret.expose()),
            db,
            config,
            metrics,
            mailer,
            protocols: Protocols::new(protocol),
            worker_health: None,
            worker_wakes: None,
        }
    }
}
