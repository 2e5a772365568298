//! What every handler can reach. Built once at start from the typed configuration.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::config::Config;
use shared::db::Db;
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::protocol::Protocol;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: TokenKeys,
    pub metrics: Metrics,
    pub mailer: Mailer,
    pub protocol: Arc<Protocol>,
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
            tokens: TokenKeys::new(&config.jwt),
            db,
            config,
            metrics,
            mailer,
            protocol,
        }
    }
}
