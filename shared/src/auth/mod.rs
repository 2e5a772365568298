//! Credentials: password hashing and access tokens.

pub mod password;
pub mod token;

pub use token::{AccessClaims, TokenKeys};
