//! Path ids checked before any query: [`PathId`], the extractor of every route with an id in
//! its path (API and console).
//!
//! Every id the service mints is a UUID in the lowercase hyphenated text RFC 9562 §4 says to
//! output (36 characters; `shared::domain::ids`), and ids are compared as that text, so a path
//! segment in any other form (an uppercase one too, though RFC 9562 reads hex digits of
//! either case) names nothing that exists: clients copy ids from answers, never build them. It is answered 404 there and then, without a database round
//! trip: a byte the database refuses (a NUL, `%00`) or text that is not UTF-8 (`%FF`) never
//! reaches a query.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, ResponseError, dev, web};
use serde::de::DeserializeOwned;
use shared::Error;

use crate::error::ApiError;

/// The path's parameters as `T` (one id, `(String, String)` for two, …), once every one of them
/// is a canonical UUID. Otherwise the route answers `E` for [`Error::NotFound`]: the API's 404
/// problem by default, the console's not-found page with `ConsoleError`.
#[derive(Debug)]
pub struct PathId<T, E = ApiError> {
    value: T,
    refusal: PhantomData<fn() -> E>,
}

impl<T, E> PathId<T, E> {
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T, E> std::ops::Deref for PathId<T, E> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Whether `segment` is a UUID in canonical text (lowercase, hyphenated).
pub fn is_canonical_uuid(segment: &str) -> bool {
    uuid::Uuid::try_parse(segment).is_ok_and(|u| {
        let mut buf = uuid::Uuid::encode_buffer();
        *u.hyphenated().encode_lower(&mut buf) == *segment
    })
}

impl<T, E> FromRequest for PathId<T, E>
where
    T: DeserializeOwned + 'static,
    E: From<Error> + ResponseError + 'static,
{
    type Error = E;
    type Future = Pin<Box<dyn Future<Output = Result<Self, E>>>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        let ids = req
            .match_info()
            .iter()
            .all(|(_, segment)| is_canonical_uuid(segment));
        let typed = web::Path::<T>::extract(req);
        Box::pin(async move {
            if !ids {
                return Err(E::from(Error::NotFound));
            }
            typed
                .await
                .map(|path| PathId {
                    value: path.into_inner(),
                    refusal: PhantomData,
                })
                .map_err(|_| E::from(Error::NotFound))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_uuid_text_is_an_id() {
        let id = uuid::Uuid::now_v7().to_string();
        assert!(is_canonical_uuid(&id));
        for not_an_id in [
            id.to_uppercase(),
            id.replace('-', ""),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            format!("{id}\0"),
            format!("{id} "),
            "\u{FFFD}".to_owned(),
            String::new(),
            "nope".to_owned(),
        ] {
            assert!(!is_canonical_uuid(&not_an_id), "{not_an_id:?}");
        }
    }
}
