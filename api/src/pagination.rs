//! List paging as the contract fixes it: `?limit=` (default 50, max 200) and an opaque
//! `?cursor=` naming where the previous page stopped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, invalid};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

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

/// Cursors are the last row's key, encoded so clients treat it as opaque.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("k:{key}"))
}

pub fn decode_cursor(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("k:").map(str::to_owned))
        .map(Some)
        .ok_or_else(|| invalid("cursor", "is not a cursor returned by this list"))
}

/// Splits a page fetched with `limit + 1` rows into the page and the next cursor.
pub fn split<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| encode_cursor(&key(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_422() {
        let c = encode_cursor("0190-abc");
        assert_eq!(
            decode_cursor(Some(&c)).unwrap().as_deref(),
            Some("0190-abc")
        );
        assert!(decode_cursor(Some("!!")).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode("x"))).is_err());
        assert_eq!(decode_cursor(None).unwrap(), None);
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
        let (page, next) = split(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((page, next.is_some()), (vec![1, 2], true));
    }
}
