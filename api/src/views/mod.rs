//! The wire types: every request and response body of the JSON API, in one place, as
//! docs/CONTRACT.md fixes them. Request bodies parse themselves into the domain values the use cases
//! take (`shared::care`); responses are built from what the use cases return. Each schema name
//! is unique in the OpenAPI document (a test holds it so).
//!
//! Names, one scheme for every input across the workspace:
//! - a JSON request body is named for the operation it asks for, verb first, as its
//!   `operationId` reads (`LogIn`, `RecordTreatment`, `CreateCheckIn`, `UpdateMe`, `InviteStaff`);
//!   a part of one takes the same verb (`UpdateChannels`);
//! - a query string is `*Params` (`ListParams`, `AuditParams`);
//! - what a body parses into, the use case's input, is `*Form` (`shared::care`);
//! - the schedule engine's inputs are `*Input` (`shared::protocol`);
//! - a response body is a noun (`Timeline`, `TreatmentCreated`), `*View` where the domain already has
//!   the plain name (`ClinicView`, `QuietHoursView`), `PatientRecord*` for the parts of the
//!   patient record.

pub mod auth;
pub mod calendar;
pub mod check_in;
pub mod clinic;
pub mod device;
pub mod export;
pub mod invitation;
pub mod my_lists;
pub mod ops;
pub mod patient;
pub mod prompt;
pub mod protocols;
pub mod push;
pub mod record;
pub mod screening;
pub mod treatment;
