//! The wire types: every request and response body of the JSON API, in one place, as
//! docs/CONTRACT.md fixes them. Request bodies parse themselves into the domain values the use cases
//! take (`shared::care`); responses are built from what the use cases return. Each schema name
//! is unique in the OpenAPI document (a test holds it so).

pub mod auth;
pub mod calendar;
pub mod check_in;
pub mod clinic;
pub mod export;
pub mod ops;
pub mod patient;
pub mod prompt;
pub mod record;
pub mod treatment;
