//! Each clinic's own aftercare: versions of the protocol a clinic edits, publishes and plans
//! its patients with.
//!
//! - [`registry`] — which protocol plans a patient ([`Protocols`]).
//! - [`versions`] — a clinic's versions: list, create a draft, read, edit a draft.
//! - [`publish`] — publishing a draft (the previous version retired), and re-planning current
//!   patients with it.
//! - [`review`] — preview of a version for a sample treatment, comparison of two versions, the
//!   edit history.
//! - [`safety`] — the content-safety check over every published version in the database.
//!
//! Every function is scoped to the actor's clinic: another clinic's version is `NotFound`.

mod publish;
mod registry;
mod review;
mod safety;
mod versions;

pub use publish::{Published, publish, replan_candidates};
pub use registry::Protocols;
pub use review::{Edit, compare, history, preview};
pub use safety::{SafetyProblem, check_published};
pub use versions::{BasedOn, Summary, Versioned, create, get, list, update};
