//! The one extractor for JSON request bodies: [`Json`], strict where `web::Json` is lenient.
//!
//! RFC 8259 §4 leaves a repeated member name's meaning to the parser, and serde's answer
//! differs by target (a struct refuses it, a map or a free-form value keeps the last one), so a
//! body could say two things and be read as one (a check-in's second `symptoms` silently
//! replacing the first). Every body is therefore walked once before it is read: a name repeated
//! in one object, at any depth, is a 422 naming it (`symptoms`, `a.b`, `items[0].name`).
//! Otherwise errors are [`crate::extractors_config`]'s: 415 for a content type other than JSON,
//! 400 for malformed JSON or a body over the limit, 422 for JSON of the wrong shape.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev, mime, web};
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use shared::{Error, FieldError};

use crate::error::ApiError;
use crate::extractors_config::{JSON_LIMIT, json_error};

/// A request body read as `T` after [`unique_keys`] found no repeated member name, of at most
/// `LIMIT` bytes ([`JSON_LIMIT`] unless a route names a larger one, as a clinic's protocol
/// document does).
#[derive(Debug)]
pub struct Json<T, const LIMIT: usize = JSON_LIMIT>(pub T);

impl<T, const LIMIT: usize> Json<T, LIMIT> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T, const LIMIT: usize> std::ops::Deref for Json<T, LIMIT> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for Json<T, LIMIT> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        // As `web::JsonConfig` by default: `application/json` or any `+json` type.
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let known_length = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let body = web::Payload::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(json_error(JsonPayloadError::ContentType));
            }
            if let Some(length) = known_length.filter(|&n| n > LIMIT) {
                return Err(json_error(JsonPayloadError::OverflowKnownLength {
                    length,
                    limit: LIMIT,
                }));
            }
            let bytes = match body.await?.to_bytes_limited(LIMIT).await {
                Err(_) => return Err(json_error(JsonPayloadError::Overflow { limit: LIMIT })),
                // The connection failed mid-body (or took too long: `crate::body_deadline`
                // answers that one 408).
                Ok(Err(_)) => {
                    return Err(ApiError::bad_request("the request body could not be read").into());
                }
                Ok(Ok(bytes)) => bytes,
            };
            unique_keys(&bytes)?;
            serde_json::from_slice(&bytes)
                .map(Json)
                .map_err(|e| json_error(JsonPayloadError::Deserialize(e)))
        })
    }
}

/// Walks a JSON document and refuses a member name repeated within one object: 422 naming the
/// member by its path. Malformed JSON is left to the typed read, which reports it (400).
pub fn unique_keys(body: &[u8]) -> Result<(), ApiError> {
    let repeated = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let walk = Walk {
        path: String::new(),
        repeated: &repeated,
    };
    match walk.deserialize(&mut de) {
        Err(_) => match repeated.into_inner() {
            Some(path) => Err(ApiError(Error::Validation(vec![FieldError::new(
                path,
                "appears more than once in the body; send each field once",
            )]))),
            // Malformed: the typed read says how.
            None => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// One value of the document at `path`; records the first repeated name it meets.
struct Walk<'r> {
    path: String,
    repeated: &'r RefCell<Option<String>>,
}

impl Walk<'_> {
    fn child(&self, step: fmt::Arguments<'_>) -> Self {
        Walk {
            path: format!("{}{step}", self.path),
            repeated: self.repeated,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            let child = if self.path.is_empty() {
                self.child(format_args!("{name}"))
            } else {
                self.child(format_args!(".{name}"))
            };
            if !seen.insert(name) {
                let path = child.path;
                *self.repeated.borrow_mut() = Some(path);
                return Err(de::Error::custom("a repeated member name"));
            }
            map.next_value_seed(child)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while seq
            .next_element_seed(self.child(format_args!("[{index}]")))?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeated(body: &str) -> Option<String> {
        match unique_keys(body.as_bytes()) {
            Ok(()) => None,
            Err(ApiError(Error::Validation(errors))) => Some(errors[0].field.clone()),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn a_repeated_name_is_found_at_any_depth_and_named_by_its_path() {
        assert_eq!(repeated(r#"{"a":1,"b":[1,{"c":null}]}"#), None);
        assert_eq!(
            repeated(r#"{"symptoms":[],"symptoms":["x"]}"#).as_deref(),
            Some("symptoms")
        );
        assert_eq!(repeated(r#"{"a":{"b":1,"b":2}}"#).as_deref(), Some("a.b"));
        assert_eq!(
            repeated(r#"{"i":[{},{"n":1,"n":1}]}"#).as_deref(),
            Some("i[1].n")
        );
        // The same name spelt with an escape is the same name.
        assert_eq!(repeated(r#"{"a":1,"\u0061":2}"#).as_deref(), Some("a"));
        // Equal names in different objects are not repeats.
        assert_eq!(repeated(r#"{"a":{"x":1},"b":{"x":1}}"#), None);
        // Malformed JSON is the typed read's to report.
        assert_eq!(repeated(r#"{"a":"#), None);
    }
}
