//! PostgreSQL notifications that wake the delivery worker.
//!
//! The triggers of migration `2026-12-01-000002_due_notify` send an empty notification on
//! [`PROMPTS_DUE`] when a write makes a prompt claimable now (inserted due, a lease handed back
//! or expired, re-timed by a re-plan) and on [`CLINIC_ALERTS_DUE`] when it makes a clinic alert
//! claimable (an urgent escalation's alert, a lease handed back). "Now" is the database's clock
//! plus 10 seconds. The claim and the sent, failed, cancelled and retried outcomes never notify:
//! they leave the queue or come back with a backoff of 15 s or more. A prompt handed back
//! unsent (a stop, a short lease margin, a spent FCM quota window) is due again within seconds
//! and does notify, so any worker picks it up. PostgreSQL delivers a
//! notification at commit, to the sessions listening at that moment, and folds identical ones
//! of one transaction into one.
//!
//! A [`Listener`] is one dedicated connection, outside the pool (a pooled connection would lose
//! its `LISTEN` to the next user), that is read without blocking: [`Listener::poll`] takes what
//! has arrived. SQLite has no notifications.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::error::{Error, Result};

/// Channel notified when a prompt becomes claimable.
pub const PROMPTS_DUE: &str = "aftercare_prompts_due";
/// Channel notified when a clinic alert becomes claimable.
pub const CLINIC_ALERTS_DUE: &str = "aftercare_clinic_alerts_due";
/// `application_name` of the listening session, as `pg_stat_activity` shows it.
pub const APPLICATION_NAME: &str = "aftercare_worker_listener";

/// Which queues were notified since the last [`Listener::poll`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Due {
    pub prompts: bool,
    pub clinic_alerts: bool,
}

impl Due {
    pub fn any(self) -> bool {
        self.prompts || self.clinic_alerts
    }
}

/// A connection listening on both channels.
pub struct Listener {
    conn: PgConnection,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

/// libpq settings that keep the listener from hanging on a dead peer: a connect gives up after
/// 5 s, and TCP keepalives plus a 20 s user timeout end a connection whose server vanished
/// without a word (a partition, a NAT that forgot it), so the listener reconnects instead of
/// blocking in its `SELECT 1` for the kernel's ~15 minutes. A setting the URL already names wins.
fn with_timeouts(url: &str) -> String {
    const SETTINGS: [(&str, &str); 6] = [
        ("connect_timeout", "5"),
        ("keepalives", "1"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "20000"),
    ];
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let named = |k: &str| query.split('&').any(|kv| kv.split('=').next() == Some(k));
    let mut out = url.to_owned();
    for (k, v) in SETTINGS.iter().filter(|(k, _)| !named(k)) {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&format!("{k}={v}"));
    }
    out
}

impl Listener {
    /// Opens a connection to the PostgreSQL `url` (the full `postgres://` URL) and listens on
    /// both channels. Errors: the server cannot be reached or refuses the connection
    /// ([`Error::Unavailable`], in one line, without the URL), or a statement fails.
    pub fn connect(url: &str) -> Result<Self> {
        let mut conn = PgConnection::establish(&with_timeouts(url))
            .map_err(|e| Error::Unavailable(super::one_line(&e.to_string())))?;
        conn.batch_execute(&format!(
            "SET application_name = '{APPLICATION_NAME}'; \
             LISTEN {PROMPTS_DUE}; LISTEN {CLINIC_ALERTS_DUE};"
        ))?;
        Ok(Self { conn })
    }

    /// Takes every notification that has arrived, without waiting (libpq reads what the socket
    /// holds). Errors: the connection is lost (the server closed it, the backend was
    /// terminated); the listener is then useless and must be replaced.
    pub fn poll(&mut self) -> Result<Due> {
        let mut due = Due::default();
        for received in self.conn.notifications_iter() {
            let n = received?;
            match n.channel.as_str() {
                PROMPTS_DUE => due.prompts = true,
                CLINIC_ALERTS_DUE => due.clinic_alerts = true,
                _ => {}
            }
        }
        Ok(due)
    }

    /// One round trip, to find a connection that died silently (a reset that left no bytes to
    /// read). Notifications that arrive meanwhile stay queued for [`Listener::poll`].
    pub fn ping(&mut self) -> Result<()> {
        Ok(self.conn.batch_execute("SELECT 1")?)
    }
}

#[cfg(test)]
mod tests {
    use super::with_timeouts;

    #[test]
    fn timeouts_are_added_unless_named() {
        let u = with_timeouts("postgres://h/db");
        assert!(
            u.starts_with("postgres://h/db?connect_timeout=5&keepalives=1"),
            "{u}"
        );
        let u = with_timeouts("postgres://h/db?sslmode=require&connect_timeout=30");
        assert!(
            u.contains("sslmode=require&connect_timeout=30&keepalives=1"),
            "{u}"
        );
        assert_eq!(u.matches("connect_timeout").count(), 1);
    }
}
