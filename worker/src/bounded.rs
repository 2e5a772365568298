//! Running a claimed batch with a bounded number of sends in flight.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Runs `work` on every item, at most `limit` at a time, and counts the items it reports as
/// resolved (`true`). A task that panics is logged as `what` and counted as unresolved: its
/// lease expires and the item returns to the queue.
pub(crate) async fn run<T, F, Fut>(
    items: Vec<T>,
    limit: usize,
    what: &'static str,
    work: F,
) -> usize
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut tasks = JoinSet::new();
    for item in items {
        let (permits, job) = (permits.clone(), work(item));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            job.await
        });
    }
    let mut resolved = 0;
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(true) => resolved += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, task = what, "task panicked"),
        }
    }
    resolved
}
