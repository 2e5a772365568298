//! The app's token refresh (rotation, with the reuse interval) and logout.

use super::SignedIn;
use crate::db::{Db, sessions, users};
use crate::domain::UserId;
use crate::error::{Error, Result};
use crate::time::now;

/// Exchanges a refresh token for the session's next one (`POST /v1/auth/refresh`). Each token
/// works once: spending it issues a successor valid `refresh_ttl_days`. A duplicate of a refresh
/// made within `reuse_secs` (`AFTERCARE_REFRESH_REUSE_SECS`: an app sending one refresh twice)
/// gets the same successor and the same instant, so the caller mints the very same pair; any
/// later reuse means the token was copied, and revokes the whole session (reason `reuse`).
///
/// Errors: `Unauthorized` (401) for an unknown, expired, revoked or already used token, or an
/// account no longer active. The transaction commits in every outcome: a reuse must leave its
/// session revoked.
pub async fn refresh(
    db: &Db,
    token: String,
    refresh_ttl_days: i64,
    reuse_secs: i64,
) -> Result<SignedIn> {
    let outcome = db
        .transaction(move |c| {
            let t = now();
            let spent = sessions::spend_refresh(c, &token, t)?;
            let Some((row, session)) = sessions::find_refresh(c, &token)? else {
                return Ok(None);
            };
            let user = users::find(c, &session.user_id)?;
            let live = session.revoked_at.is_none() && user.is_active();
            if !spent {
                let Some(used_at) = row.used_at else {
                    return Ok(None);
                };
                return match sessions::kept_successor(c, &token, reuse_secs, t)? {
                    Some(next) if live => Ok(Some(SignedIn {
                        user,
                        session_id: session.id,
                        refresh_token: next,
                        issued_at: used_at,
                    })),
                    _ => {
                        tracing::warn!(session_id = %session.id, "refresh token reuse: session revoked");
                        sessions::revoke(c, &session.id, sessions::reason::REUSE, t)?;
                        Ok(None)
                    }
                };
            }
            if !live {
                return Ok(None);
            }
            let next = sessions::issue_refresh(c, &session.id, refresh_ttl_days, t)?;
            sessions::keep_successor(c, &session.id, &token, &next, reuse_secs, t)?;
            Ok(Some(SignedIn {
                user,
                session_id: session.id,
                refresh_token: next,
                issued_at: t,
            }))
        })
        .await?;
    outcome.ok_or(Error::Unauthorized)
}

/// Ends the session the refresh token belongs to (`POST /v1/auth/logout`), reason `logout`,
/// when it is `user_id`'s; another's token, or an unknown one, changes nothing (no error).
pub async fn logout(db: &Db, user_id: &UserId, token: String) -> Result<()> {
    let user_id = user_id.clone();
    db.transaction(move |c| {
        if let Some((_, session)) = sessions::find_refresh(c, &token)? {
            if session.user_id == user_id {
                sessions::revoke(c, &session.id, sessions::reason::LOGOUT, now())?;
            }
        }
        Ok(())
    })
    .await
}
