//! List paging as the contract fixes it: `?limit=` (default 50, max 200) and an opaque
//! `?cursor=` naming where the previous page stopped.
//!
//! A cursor is tamper-evident: the last row's key with an HMAC-SHA256 tag (RFC 2104) over the
//! list's path and the key, under a key derived from the token signing secret
//! (`AFTERCARE_JWT_SECRET`, with a label of its own, so a cursor tag is never a token
//! signature). An edited, truncated or made-up cursor, one from another deployment, or one
//! issued by another list is a 422 naming `cursor`: only positions the server handed out are
//! ever queried.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, invalid};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Bytes of the HMAC-SHA256 tag kept in a cursor (128 bits, RFC 2104 §5 allows truncation to
/// no less than half the hash).
const TAG_LEN: usize = 16;

/// What the cursor key is derived for: the signing secret's HMAC of this label.
const KEY_LABEL: &[u8] = b"aftercare/list-cursor/v1";

const NOT_A_CURSOR: &str = "is not a cursor returned by this list";

/// `?limit=` as lists take it (`#[serde(default, deserialize_with = …)]`): text that is not a
/// whole number is refused naming the field (the query extractor's 422 then says `limit`),
/// rather than with the query parser's own words.
pub fn limit_param<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    raw.trim().parse::<i64>().map(Some).map_err(|_| {
        serde::de::Error::custom(format!(
            "invalid value for field `limit`: must be a whole number between 1 and {MAX_LIMIT}"
        ))
    })
}

pub fn limit(raw: Option<i64>) -> Result<i64, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Issues and reads the cursors of every list, under one server key.
#[derive(Clone)]
pub struct Cursors {
    key: [u8; 32],
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors([redacted])")
    }
}

impl Cursors {
    /// The cursor key derived from the token signing secret.
    pub fn new(signing_secret: &[u8]) -> Self {
        let derived = mac_with(signing_secret)
            .chain_update(KEY_LABEL)
            .finalize()
            .into_bytes();
        let mut key = [0u8; 32];
        key.copy_from_slice(&derived);
        Self { key }
    }

    fn tag(&self, list: &str, key: &str) -> Hmac<Sha256> {
        // The list's path ends at a NUL, which no path contains: ("/a", "\0b") and ("/a\0", "b")
        // cannot share a tag.
        mac_with(&self.key)
            .chain_update(list.as_bytes())
            .chain_update([0u8])
            .chain_update(key.as_bytes())
    }

    /// The cursor for the position after the row keyed `key` in the list served at `list` (its
    /// path, e.g. `/v1/clinic/patients`): base64url of the tag then the key.
    pub fn issue(&self, list: &str, key: &str) -> String {
        let mut bytes = self.tag(list, key).finalize().into_bytes()[..TAG_LEN].to_vec();
        bytes.extend_from_slice(key.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The row key inside a cursor this server issued for `list`; `None` for no cursor (or an
    /// empty one: the first page).
    ///
    /// Errors: 422 on `cursor` for anything else (tag compared in constant time).
    pub fn read(&self, list: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| invalid("cursor", NOT_A_CURSOR))?;
        let (tag, key) = bytes
            .split_at_checked(TAG_LEN)
            .ok_or_else(|| invalid("cursor", NOT_A_CURSOR))?;
        let key = std::str::from_utf8(key).map_err(|_| invalid("cursor", NOT_A_CURSOR))?;
        self.tag(list, key)
            .verify_truncated_left(tag)
            .map_err(|_| invalid("cursor", NOT_A_CURSOR))?;
        Ok(Some(key.to_owned()))
    }

    /// Splits a page of `list` fetched with `limit + 1` rows into the page and the next cursor.
    pub fn split<T>(
        &self,
        list: &str,
        mut rows: Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> String,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(limit).unwrap_or(0);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(|r| self.issue(list, &key(r)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

fn mac_with(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length (RFC 2104 §2): this cannot fail.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "/v1/clinic/patients";

    fn refused(r: Result<Option<String>, ApiError>) -> bool {
        matches!(r, Err(ApiError(shared::Error::Validation(ref e))) if e[0].field == "cursor")
    }

    #[test]
    fn cursors_round_trip_and_anything_else_is_422() {
        let cursors = Cursors::new(b"test-secret-0123456789abcdef0123456789");
        let c = cursors.issue(LIST, "0190-abc");
        assert_eq!(
            cursors.read(LIST, Some(&c)).unwrap().as_deref(),
            Some("0190-abc")
        );
        assert_eq!(cursors.read(LIST, None).unwrap(), None);
        assert_eq!(cursors.read(LIST, Some("")).unwrap(), None);
        // Garbage, a truncation, an edited byte.
        assert!(refused(cursors.read(LIST, Some("!!"))));
        assert!(refused(cursors.read(LIST, Some(&c[..c.len() - 2]))));
        let mut bytes = URL_SAFE_NO_PAD.decode(&c).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(refused(
            cursors.read(LIST, Some(&URL_SAFE_NO_PAD.encode(&bytes)))
        ));
        // The old, unsigned form; another list's cursor; another server's.
        assert!(refused(
            cursors.read(LIST, Some(&URL_SAFE_NO_PAD.encode("k:0190-abc")))
        ));
        assert!(refused(cursors.read("/v1/clinic/staff", Some(&c))));
        let other = Cursors::new(b"another-secret-0123456789abcdef012345678");
        assert!(refused(other.read(LIST, Some(&c))));
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
        let (page, next) = cursors.split(LIST, vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page, vec![1, 2]);
        assert_eq!(
            cursors.read(LIST, next.as_deref()).unwrap().as_deref(),
            Some("2")
        );
    }
}
