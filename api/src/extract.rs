//! Request extractors: the authenticated caller, by audience, and the client's address. Handlers take `Staff`, `Admin` or
//! `PatientUser` and never look at roles themselves; a missing or bad token is 401, a valid
//! token of the wrong role 403.
//!
//! An access token is only as good as its login session: besides the signature, every request
//! with a token looks its session up by primary key ([`authenticate`], a middleware), so
//! logout, a password reset, a revoked refresh family or the erasure of the account end its
//! access tokens at once rather than when they expire.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use shared::Error;
use shared::auth::AccessClaims;
use shared::care::StaffActor;
use shared::config::IpNet;
use shared::domain::{ClinicId, PatientId, Role, SessionId, UserId};

use crate::error::ApiError;
use crate::state::AppState;

/// Any signed-in user.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: UserId,
    pub role: Role,
    pub clinic_id: ClinicId,
    pub session_id: SessionId,
}

impl AuthUser {
    /// The caller as a clinic's use cases take it (scoped to `clinic_id`, audited as `user_id`).
    pub fn actor(&self) -> StaffActor {
        StaffActor {
            clinic_id: self.clinic_id.clone(),
            user_id: self.user_id.clone(),
        }
    }

    /// The caller's own patient id (for a patient, the user id).
    pub fn patient_id(&self) -> PatientId {
        self.user_id.as_patient()
    }
}

impl From<AccessClaims> for AuthUser {
    fn from(c: AccessClaims) -> Self {
        Self {
            user_id: c.sub.into(),
            role: c.role,
            clinic_id: c.cid.into(),
            session_id: c.sid.into(),
        }
    }
}

/// Who the request's bearer token says is calling, settled by [`authenticate`] before any
/// extractor runs: the caller, or why there is none.
#[derive(Debug, Clone)]
enum Caller {
    Known(AuthUser),
    /// No token, a bad one, or one whose session was revoked or deleted.
    Unauthorized,
    /// The session could not be looked up (the database is unavailable).
    Unavailable,
}

/// The middleware (`from_fn`) that checks a bearer token and its session once per request,
/// before the handler's extractors run, so a dead session answers 401 before a malformed body
/// could answer 422, and the session lookup (a primary-key read) runs on the blocking pool, off
/// the async executor. The extractors below read its verdict; requests without a token cost
/// nothing.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(AUTHORIZATION) {
        let caller = match verify(req.request()) {
            None => Caller::Unauthorized,
            Some((user, state)) => {
                let (session, owner) = (user.session_id.clone(), user.user_id.clone());
                let live = state
                    .db
                    .run(move |c| shared::db::sessions::is_live(c, &session, &owner))
                    .await;
                match live {
                    Ok(true) => Caller::Known(user),
                    Ok(false) => Caller::Unauthorized,
                    Err(e) => {
                        tracing::warn!(error = %e, "session lookup failed");
                        Caller::Unavailable
                    }
                }
            }
        };
        req.extensions_mut().insert(caller);
    }
    next.call(req).await
}

/// Checks the token itself (signature, algorithm, expiry, issuer, audience).
fn verify(req: &HttpRequest) -> Option<(AuthUser, web::Data<AppState>)> {
    let state = req.app_data::<web::Data<AppState>>().cloned()?;
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?;
    let user = state.tokens.verify(token.trim()).map(AuthUser::from)?;
    Some((user, state))
}

/// The verdict of [`authenticate`]; without it (no token, or the middleware is not mounted)
/// the caller is unknown: 401, failing closed.
fn caller(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    match req.extensions().get::<Caller>() {
        Some(Caller::Known(user)) => Ok(user.clone()),
        Some(Caller::Unavailable) => Err(ApiError(Error::Unavailable(
            "the session could not be checked".into(),
        ))),
        Some(Caller::Unauthorized) | None => Err(ApiError(Error::Unauthorized)),
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req))
    }
}

macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $allowed:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AuthUser);

        impl std::ops::Deref for $name {
            type Target = AuthUser;
            fn deref(&self) -> &AuthUser {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let allowed: fn(Role) -> bool = $allowed;
                ready(caller(req).and_then(|user| {
                    if allowed(user.role) {
                        Ok($name(user))
                    } else {
                        Err(ApiError(Error::Forbidden))
                    }
                }))
            }
        }
    };
}

role_extractor!(
    /// Clinic staff (admin or clinician); every query they make is scoped to `clinic_id`.
    Staff,
    |r| r.is_staff()
);
role_extractor!(
    /// A clinic administrator.
    Admin,
    |r| r == Role::ClinicAdmin
);
role_extractor!(
    /// A patient, acting on their own data only.
    PatientUser,
    |r| r == Role::Patient
);

/// The client's IP address, as the login throttle counts it. Behind a load balancer every TCP
/// peer is the balancer, so when the peer is one of `trusted` proxies the address is taken
/// from `X-Forwarded-For` instead: the rightmost hop that is not itself a trusted proxy (hops
/// further left were written by the client and prove nothing). Otherwise, or when the header is
/// missing or unreadable, it is the TCP peer.
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return Some(peer);
        };
        hops.extend(text.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        // An unreadable hop ends the chain: the last address a trusted proxy vouched for stands.
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}
