//! The VAPID key pair (RFC 8292): the application server's P-256 key, whose public half the
//! browser is given when subscribing (`applicationServerKey`) and whose private half signs the
//! ES256 JWT every push request carries (`Authorization: vapid t=<jwt>, k=<public key>`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};

use crate::domain::web_push::decode_base64url;

/// How long a signed VAPID token is valid: RFC 8292 §2 allows at most 24 hours; push services
/// (Mozilla's autopush among them) refuse more, and 12 hours leaves room for clock skew.
pub const TOKEN_LIFETIME_SECS: u64 = 12 * 3600;

/// A VAPID key pair. `Debug` shows the public key only.
#[derive(Clone)]
pub struct VapidKey {
    secret: p256::SecretKey,
    signing: EncodingKey,
    public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: u64,
    sub: &'a str,
}

impl VapidKey {
    /// Reads a private key as `AFTERCARE_VAPID_PRIVATE_KEY` holds it: the base64url (padding
    /// optional) raw 32-byte P-256 scalar, as `api vapid generate` and the web-push tools
    /// (`web-push generate-vapid-keys`, py-vapid's raw form) print it; or a PEM private key
    /// (PKCS#8 `BEGIN PRIVATE KEY`, or SEC1 `BEGIN EC PRIVATE KEY`).
    ///
    /// # Errors
    /// A message naming the expected form; never the key.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let secret = if raw.starts_with("-----BEGIN") {
            p256::SecretKey::from_pkcs8_pem(raw)
                .or_else(|_| p256::SecretKey::from_sec1_pem(raw))
                .map_err(|_| "is not a P-256 private key in PEM (PKCS#8 or SEC1)".to_owned())?
        } else {
            let bytes = decode_base64url(raw)
                .filter(|b| b.len() == 32)
                .ok_or("must be the base64url raw 32-byte P-256 private key (as `api vapid generate` prints it) or a PEM private key")?;
            p256::SecretKey::from_slice(&bytes)
                .map_err(|_| "is not a valid P-256 private key".to_owned())?
        };
        Self::from_secret(secret)
    }

    /// A new random key pair.
    ///
    /// # Errors
    /// Only if the key cannot be encoded for the signer (not expected).
    pub fn generate() -> Result<Self, String> {
        Self::from_secret(p256::SecretKey::random(&mut rand::rngs::OsRng))
    }

    fn from_secret(secret: p256::SecretKey) -> Result<Self, String> {
        let der = secret
            .to_pkcs8_der()
            .map_err(|_| "cannot encode the VAPID key".to_owned())?;
        let public = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        Ok(Self {
            signing: EncodingKey::from_ec_der(der.as_bytes()),
            secret,
            public,
        })
    }

    /// The public key, base64url (unpadded) of the uncompressed point (65 bytes): what
    /// `GET /v1/push/vapid-public-key` answers and `pushManager.subscribe` takes.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The private key in the form [`VapidKey::parse`] reads first (base64url raw scalar).
    pub fn private_key_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.to_bytes())
    }

    /// The `Authorization` header value for a push service (RFC 8292 §3): an ES256 JWT with
    /// `aud` the push service's origin (`https://host[:port]`), `exp` `now` +
    /// [`TOKEN_LIFETIME_SECS`] and `sub` the operator's contact; `k` the public key.
    ///
    /// # Errors
    /// The signer's failure (not expected with a parsed key).
    pub fn authorization(&self, audience: &str, subject: &str, now: u64) -> Result<String, String> {
        let claims = Claims {
            aud: audience,
            exp: now + TOKEN_LIFETIME_SECS,
            sub: subject,
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|e| format!("signing the VAPID token: {e}"))?;
        Ok(format!("vapid t={jwt}, k={}", self.public))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_key_round_trips_and_derives_its_public_key() {
        let key = VapidKey::generate().unwrap();
        let again = VapidKey::parse(&key.private_key_base64url()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let public = decode_base64url(key.public_key()).unwrap();
        assert_eq!((public.len(), public[0]), (65, 4));
        assert!(VapidKey::parse("not a key").is_err());
        assert!(VapidKey::parse(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
    }

    #[test]
    fn a_pkcs8_pem_key_is_read_too() {
        let key = VapidKey::generate().unwrap();
        let pem = key
            .secret
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        assert_eq!(
            VapidKey::parse(&pem).unwrap().public_key(),
            key.public_key()
        );
    }

    #[test]
    fn the_token_verifies_with_the_public_key() {
        let key = VapidKey::generate().unwrap();
        let header = key
            .authorization("https://push.example.com", "mailto:ops@example.com", 1_000)
            .unwrap();
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|r| r.split_once(", k="))
            .unwrap();
        assert_eq!(k, key.public_key());
        let point = decode_base64url(k).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_ec_components(
            &URL_SAFE_NO_PAD.encode(&point[1..33]),
            &URL_SAFE_NO_PAD.encode(&point[33..]),
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(Algorithm::ES256);
        v.set_audience(&["https://push.example.com"]);
        v.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(t, &decoding, &v).unwrap();
        assert_eq!(data.claims["sub"], "mailto:ops@example.com");
        assert_eq!(data.claims["exp"], 1_000 + TOKEN_LIFETIME_SECS);
    }
}
