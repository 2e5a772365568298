//! Request extractors: the authenticated caller, by audience, and the client's address.
//! Handlers take `Staff`, `Admin` or `PatientUser` (or a [`Deferred`] one) and never look at
//! roles themselves; a missing or bad token, or a dead session, is 401, a valid token of the
//! wrong role 403.
//!
//! An access token is only as good as its login session: besides the signature, every request
//! with a token looks its session up by primary key, so logout, a password reset, a revoked
//! refresh family or the erasure of the account end its access tokens at once rather than when
//! they expire. The lookup is made by [`authenticate`], a middleware, except on the few hot
//! routes listed in [`CHECKED_BY_HANDLER`]: there the handler takes a [`Deferred`] caller, which
//! hands the caller out only inside a database call that first checks the session on the same
//! connection checkout (one trip to the blocking pool per request instead of two).

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use shared::Error;
use shared::auth::AccessClaims;
use shared::care::auth::{self, DbConn};
use shared::care::{Db, StaffActor};
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
    /// A good token on a route of [`CHECKED_BY_HANDLER`]: its session is not checked yet, so
    /// only a [`Deferred`] extractor accepts it (and checks it); the others answer 401.
    Claimed(AuthUser),
    /// No token, a bad one, or one whose session was revoked or deleted.
    Unauthorized,
    /// The session could not be looked up (the database is unavailable): what the caller is
    /// told (503).
    Unavailable(String),
}

/// The routes (method, exact path) whose handlers check the session themselves, through a
/// [`Deferred`] caller: hot reads without a body or query parameters (nothing an extractor could
/// refuse with a 422 before the 401 of a dead session), where the check can ride on the
/// handler's own connection checkout. A route listed here whose handler takes an ordinary
/// extractor answers 401 to everyone (fails closed); a [`Deferred`] handler on a route not listed
/// here, or reached by another spelling of the path (`%74imeline`), checks the session twice
/// (correct, only slower).
pub const CHECKED_BY_HANDLER: &[(&str, &str)] = &[("GET", "/v1/me/timeline")];

/// The middleware (`from_fn`) that checks a bearer token and its session, at most once per
/// request, before the handler's extractors run, so a dead session answers 401 before a
/// malformed body could answer 422, and the session lookup (a primary-key read) runs on the
/// blocking pool, off the async executor. The extractors below read its verdict; requests
/// without a token cost nothing. On a route of [`CHECKED_BY_HANDLER`] it checks the token only and leaves the
/// session to the handler.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(AUTHORIZATION) {
        let deferred = CHECKED_BY_HANDLER
            .iter()
            .any(|&(method, path)| req.method().as_str() == method && req.path() == path);
        let caller = match verify(req.request()) {
            None => Caller::Unauthorized,
            Some((user, _)) if deferred => Caller::Claimed(user),
            Some((user, state)) => {
                match auth::check_session(&state.db, &user.session_id, &user.user_id).await {
                    Ok(()) => Caller::Known(user),
                    Err(Error::Unauthorized) => Caller::Unauthorized,
                    Err(Error::Unavailable(told)) => Caller::Unavailable(told),
                    Err(_) => Caller::Unavailable(auth::SESSION_UNAVAILABLE.to_owned()),
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
        Some(Caller::Unavailable(told)) => Err(ApiError(Error::Unavailable(told.clone()))),
        Some(Caller::Claimed(_) | Caller::Unauthorized) | None => {
            Err(ApiError(Error::Unauthorized))
        }
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
                ready(caller(req).and_then(<$name as ByRole>::admit))
            }
        }

        impl ByRole for $name {
            fn admit(user: AuthUser) -> Result<Self, ApiError> {
                let allowed: fn(Role) -> bool = $allowed;
                if allowed(user.role) {
                    Ok($name(user))
                } else {
                    Err(ApiError(Error::Forbidden))
                }
            }
        }
    };
}

/// An extractor that admits a caller by role (403 for another role).
pub trait ByRole: Sized {
    fn admit(user: AuthUser) -> Result<Self, ApiError>;
}

/// A caller of role `R` whose token is good but whose session the middleware left unchecked
/// (a route of [`CHECKED_BY_HANDLER`]). The caller is only handed out inside [`Deferred::run`],
/// after the session is found live on that call's connection, so the handler cannot read on the
/// caller's behalf without the check. The role is checked after the session, as the middleware
/// and the ordinary extractors do: a dead session is 401 whatever its role.
#[derive(Debug)]
pub struct Deferred<R> {
    user: AuthUser,
    role: PhantomData<fn() -> R>,
}

impl<R: ByRole + Send + 'static> Deferred<R> {
    /// Runs `f` with the caller on one connection checkout, after checking the caller's session
    /// (a primary-key read, [`auth::run_in_session`]) and then its role.
    ///
    /// Errors: [`Error::Unauthorized`] when the session was revoked or deleted (sign-out, a
    /// password reset, erasure), [`Error::Forbidden`] for a caller of another role,
    /// [`Error::Unavailable`] when the session could not be looked up (as the middleware answers)
    /// or no connection came free ([`Db::run`]), or whatever `f` returns.
    pub async fn run<T, F>(&self, db: &Db, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &R) -> Result<T, Error> + Send + 'static,
    {
        let user = self.user.clone();
        let (session_id, user_id) = (user.session_id.clone(), user.user_id.clone());
        auth::run_in_session(db, &session_id, &user_id, move |conn| {
            let caller = R::admit(user).map_err(|e| e.0)?;
            f(conn, &caller)
        })
        .await
    }
}

impl<R: ByRole> FromRequest for Deferred<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = match req.extensions().get::<Caller>() {
            Some(Caller::Claimed(user)) => Ok(user.clone()),
            _ => caller(req),
        };
        ready(user.map(|user| Deferred {
            user,
            role: PhantomData,
        }))
    }
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

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn patient() -> AuthUser {
        AuthUser {
            user_id: UserId::new(),
            role: Role::Patient,
            clinic_id: ClinicId::new(),
            session_id: SessionId::new(),
        }
    }

    async fn extract<T: FromRequest>(caller: Option<Caller>) -> Result<T, T::Error> {
        let req = TestRequest::default().to_http_request();
        if let Some(caller) = caller {
            req.extensions_mut().insert(caller);
        }
        T::extract(&req).await
    }

    fn status<T>(r: Result<T, ApiError>) -> u16 {
        r.err()
            .map_or(200, |e| actix_web::ResponseError::status_code(&e).as_u16())
    }

    #[actix_web::test]
    async fn an_unchecked_session_reaches_only_a_deferred_extractor() {
        // The middleware left the session to the handler: ordinary extractors fail closed.
        let claimed = || Some(Caller::Claimed(patient()));
        assert_eq!(status(extract::<PatientUser>(claimed()).await), 401);
        assert_eq!(status(extract::<AuthUser>(claimed()).await), 401);
        assert_eq!(
            status(extract::<Deferred<PatientUser>>(claimed()).await),
            200
        );
        // The role is checked in `run`, after the session (API test
        // `routes_that_check_their_own_session_answer_as_the_others`: 401, then 403).
        assert_eq!(status(extract::<Deferred<Staff>>(claimed()).await), 200);
        // Off the list, a deferred handler takes the middleware's verdict (and checks again).
        let known = Some(Caller::Known(patient()));
        assert_eq!(status(extract::<Deferred<PatientUser>>(known).await), 200);
        for verdict in [None, Some(Caller::Unauthorized)] {
            assert_eq!(status(extract::<Deferred<PatientUser>>(verdict).await), 401);
        }
        assert_eq!(
            status(
                extract::<Deferred<PatientUser>>(Some(Caller::Unavailable(String::new()))).await
            ),
            503
        );
    }
}
