//! Each clinic's own aftercare: versions of the protocol a clinic edits, publishes and plans
//! its patients with.
//!
//! - [`registry`] — which protocol plans a patient ([`Protocols`]).

mod registry;

pub use registry::Protocols;
