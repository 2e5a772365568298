//! API integration tests: one binary (one link), every test against the real server on its own
//! fresh database, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod config_files;
mod devices;
mod errors;
mod mail;
mod ops;
mod schema;
mod startup;
