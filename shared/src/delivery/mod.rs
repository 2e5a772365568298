//! The handle between the delivery loop and whoever runs it: the doorbells that wake its jobs
//! ([`wake`]), its heartbeat ([`heartbeat`]), and [`EmbeddedLoop`], the loop as the API process
//! runs it beside the server in single-node mode (SQLite). The API reads the heartbeat for
//! `/readyz` and rings the bells after an urgent check-in; the loop itself lives in the worker
//! crate, which builds an [`EmbeddedLoop`] for the API binary to hand to the server.

pub mod heartbeat;
pub mod wake;

use std::future::Future;
use std::pin::Pin;

use tokio::sync::watch;

pub use heartbeat::{Heartbeat, Status};
pub use wake::{Reason, Wake, Wakes};

/// The loop's run until its `watch` turns `true`; it then finishes its in-flight sends and
/// returns.
pub type RunLoop =
    Box<dyn FnOnce(watch::Receiver<bool>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// A delivery loop ready to run inside another process: what that process reads of it
/// (`heartbeat`, for `/readyz`), how it wakes it (`wakes`), and the loop itself (`run`).
pub struct EmbeddedLoop {
    pub heartbeat: Heartbeat,
    pub wakes: Wakes,
    pub run: RunLoop,
}
