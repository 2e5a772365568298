//! Delivery worker integration tests: one binary, each test on its own fresh database, against
//! loopback fakes of FCM (and its token endpoint), APNs (HTTP/2) and a real loopback SMTP server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_twilio;
mod fakes;
mod helpers;

mod alert_crash;
mod alerts;
mod apns;
mod email;
mod fcm;
mod health;
mod jobs;
mod ladder;
mod operator;
mod processes;
mod providers;
mod quota;
mod skips;
mod sms;
mod sms_crash;
mod wakeup;
mod webpush;
