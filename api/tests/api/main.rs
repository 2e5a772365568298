//! API integration tests: one binary (one link), every test against the real server on its own
//! fresh database, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;
mod helpers;
mod log_privacy;

mod acks;
mod architecture;
mod auth;
mod calendar;
mod check_ins;
mod cli;
mod clinic;
mod config_files;
mod console;
mod console_admin;
mod console_browser;
mod console_forms;
mod console_language;
mod console_pages;
mod console_support;
mod console_words;
mod contract;
mod deploy;
mod devices;
mod errors;
mod escalation_queue;
mod faults;
mod identity;
mod mail;
mod me;
mod onboarding_api;
mod onboarding_console;
mod operations;
mod ops;
mod parsers;
mod proxies;
mod refresh_reuse;
mod reinvite;
mod rights;
mod schema;
mod schema_names;
mod security_headers;
mod startup;
mod tenancy;
mod treatments;
