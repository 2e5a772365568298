//! Short-lived access tokens (JWT, HS256). The algorithm, issuer and audience are pinned; any
//! other token — `alg: none`, another key, an RS/HS confusion, expired — is rejected.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::JwtConfig;
use crate::domain::Role;

/// Leeway for clock skew between replicas, at most 30 s.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub role: Role,
    /// The clinic the user belongs to.
    pub cid: String,
    /// The login session (refresh-token family) this token was issued for.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    pub fn new(cfg: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[&cfg.issuer]);
        validation.set_audience(&[&cfg.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(cfg.secret.expose()),
            decoding: DecodingKey::from_secret(cfg.secret.expose()),
            validation,
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
            access_ttl_secs: cfg.access_ttl_secs,
        }
    }

    /// Issues an access token valid for the configured lifetime from `now` (unix seconds).
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        clinic_id: &str,
        session_id: &str,
        now: i64,
    ) -> String {
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            role,
            cid: clinic_id.to_owned(),
            sid: session_id.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        // Encoding HS256 with a byte key cannot fail for serialisable claims.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    /// Verifies signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&JwtConfig {
            secret: secret.as_bytes().to_vec().into(),
            issuer: "aftercare".into(),
            audience: "aftercare-api".into(),
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            refresh_reuse_secs: 10,
        })
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let k = keys("k1-0123456789abcdef0123456789abcdef");
        let t = k.issue("u1", Role::Clinician, "c1", "s1", now());
        let c = k.verify(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.role, c.cid.as_str()),
            ("u1", Role::Clinician, "c1")
        );
    }

    #[test]
    fn forged_tokens_are_rejected() {
        let k = keys("k1-0123456789abcdef0123456789abcdef");
        let other = keys("k2-0123456789abcdef0123456789abcdef");
        assert!(
            k.verify(&other.issue("u1", Role::ClinicAdmin, "c1", "s1", now()))
                .is_none(),
            "wrong key"
        );
        assert!(
            k.verify(&k.issue("u1", Role::Patient, "c1", "s1", now() - 1000))
                .is_none(),
            "expired"
        );

        // alg: none with the same claims.
        let good = k.issue("u1", Role::Patient, "c1", "s1", now());
        let payload = good.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(
            k.verify(&format!("{none_header}.{payload}.")).is_none(),
            "alg none"
        );

        // Wrong audience, signed with the right key.
        let mut claims = k.verify(&good).unwrap();
        claims.aud = "someone-else".into();
        let forged = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"k1-0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(k.verify(&forged).is_none(), "audience");
    }
}
