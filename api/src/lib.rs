//! The aftercare REST API: patients' app, clinic staff and operations endpoints.

pub mod app;
pub mod app_web;
pub mod body_deadline;
pub mod cli;
pub mod console;
pub mod demo;
pub mod demo_patients;
pub mod error;
pub mod extract;
pub mod extractors_config;
pub mod json;
pub mod methods;
pub mod openapi;
pub mod pagination;
pub mod path_id;
pub mod request_log;
pub mod routes;
pub mod security;
pub mod state;
pub mod validate;
pub mod views;
