//! Bad input becomes a clear problem document: malformed JSON is 400, a wrong content type 415,
//! well-formed JSON of the wrong shape 422, a bad query string 422.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use shared::{Error, FieldError};

use crate::error::ApiError;

/// Request bodies are small JSON documents.
const JSON_LIMIT: usize = 64 * 1024;

pub fn json() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req: &HttpRequest| match &err {
            JsonPayloadError::ContentType => UnsupportedMediaType.into(),
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                let msg = e.to_string();
                ApiError(Error::Validation(vec![FieldError::new(
                    field_of(&msg),
                    clean(&msg),
                )]))
                .into()
            }
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError::bad_request(format!("request body is larger than {JSON_LIMIT} bytes"))
                    .into()
            }
            other => {
                ApiError::bad_request(format!("malformed JSON: {}", clean(&other.to_string())))
                    .into()
            }
        })
}

pub fn path() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err: PathError, _req| ApiError::bad_request(err.to_string()).into())
}

pub fn query() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError(Error::Validation(vec![FieldError::new(
            "query",
            clean(&err.to_string()),
        )]))
        .into()
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

/// 415 as a problem document.
#[derive(Debug)]
struct UnsupportedMediaType;

impl std::fmt::Display for UnsupportedMediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unsupported media type")
    }
}

impl actix_web::ResponseError for UnsupportedMediaType {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        actix_web::HttpResponse::UnsupportedMediaType()
            .content_type("application/problem+json")
            .json(crate::error::Problem {
                kind: "about:blank",
                title: "Unsupported Media Type",
                status: 415,
                detail: "Send the body as application/json.".into(),
                errors: None,
            })
    }
}
