//! Bad input becomes a clear problem document: malformed JSON is 400, a wrong content type 415,
//! well-formed JSON of the wrong shape 422, a bad query string 422.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use shared::{Error, FieldError};

use crate::error::{ApiError, Refusal};

/// Request bodies are small JSON documents: the most [`crate::json::Json`] reads, in bytes.
pub const JSON_LIMIT: usize = 64 * 1024;

/// `web::Json`'s configuration, for any body still read by it (none of the API's: they take
/// [`crate::json::Json`]); its errors are answered as [`json_error`]'s.
pub fn json() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req: &HttpRequest| json_error(err))
}

/// A JSON body's failure as a problem: 415 for another content type, 422 naming the field for
/// JSON of the wrong shape, 400 for a body over [`JSON_LIMIT`] or malformed JSON.
pub fn json_error(err: JsonPayloadError) -> actix_web::Error {
    match &err {
        JsonPayloadError::ContentType => Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "Send the body as application/json.",
        )
        .into(),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let msg = e.to_string();
            ApiError(Error::Validation(vec![FieldError::new(
                field_of(&msg),
                clean(&msg),
            )]))
            .into()
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::bad_request(format!("request body is larger than {limit} bytes")).into()
        }
        other => {
            ApiError::bad_request(format!("malformed JSON: {}", clean(&other.to_string()))).into()
        }
    }
}

/// A path that does not deserialise names nothing that exists: 404 (ids are checked before
/// this by [`crate::path_id::PathId`]).
pub fn path() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_: PathError, _req| ApiError(Error::NotFound).into())
}

pub fn query() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let msg = err.to_string();
        // Our own parameter parsers name their field (`invalid value for field `limit`: …`),
        // and serde names a repeated one; anything else is about the query as a whole.
        let named = |marker: &str| {
            msg.split(marker)
                .nth(1)
                .and_then(|r| r.split_once('`'))
                .map(|(field, rest)| (field.to_owned(), rest.trim_start_matches(": ").to_owned()))
        };
        let error = if let Some((field, message)) = named("invalid value for field `") {
            FieldError::new(field, clean(&message))
        } else if let Some((field, _)) = named("duplicate field `") {
            FieldError::new(field, "is given more than once")
        } else {
            FieldError::new("query", clean(&msg))
        };
        ApiError(Error::Validation(vec![error])).into()
    })
}

/// serde names the offending field in backticks for missing/unknown fields.
fn field_of(msg: &str) -> String {
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = msg.split(marker).nth(1) {
            if let Some(name) = rest.split('`').next() {
                return name.to_owned();
            }
        }
    }
    "body".to_owned()
}

/// Drops serde's " at line 1 column 17" suffix, which means nothing to an API client.
fn clean(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}
