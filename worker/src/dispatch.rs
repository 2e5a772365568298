//! Dispatch: claim due prompts, send them, record the outcome. The claim commits before any
//! network I/O (a lease, not a held transaction), so a slow provider never holds locks.

use chrono::Duration;
use shared::db::prompts::{self, Prompt};
use shared::time::now;

use crate::Worker;

/// Claims and sends batches until nothing is due (or shutdown is requested between batches).
/// Returns how many prompts were sent.
pub async fn drain(w: &Worker) -> Result<usize, shared::Error> {
    w.metrics.dispatch_ticks.inc();
    let mut sent = 0;
    loop {
        let batch = claim(w).await?;
        let claimed = batch.len();
        for prompt in batch {
            if deliver(w, &prompt).await? {
                sent += 1;
            }
        }
        if (claimed as i64) < w.config.worker.batch_size {
            return Ok(sent);
        }
    }
}

async fn claim(w: &Worker) -> Result<Vec<Prompt>, shared::Error> {
    let worker_id = w.config.worker.worker_id.clone();
    let (limit, lease) = (w.config.worker.batch_size, w.config.worker.lease_secs);
    let batch =
        w.db.run(move |conn| {
            let t = now();
            prompts::claim_due(conn, &worker_id, t, t + Duration::seconds(lease), limit)
        })
        .await?;
    w.metrics.prompts_claimed.inc_by(batch.len() as u64);
    Ok(batch)
}

/// Sends one prompt through the log transport and records it as sent.
async fn deliver(w: &Worker, prompt: &Prompt) -> Result<bool, shared::Error> {
    // Ids and kinds only: the prompt's text is health information.
    tracing::info!(prompt_id = %prompt.id, kind = %prompt.kind, channel = "log", "prompt delivered (log transport)");
    w.metrics.delivery("log", "sent");
    let (id, worker_id) = (prompt.id.clone(), w.config.worker.worker_id.clone());
    w.db.run(move |conn| prompts::mark_sent(conn, &id, &worker_id, "log", now()))
        .await
}

/// Returns expired leases to the queue.
pub async fn recover_leases(w: &Worker) -> Result<usize, shared::Error> {
    let n =
        w.db.run(|conn| prompts::release_expired_leases(conn, now()))
            .await?;
    if n > 0 {
        tracing::warn!(
            count = n,
            "returned prompts with expired leases to the queue"
        );
    }
    Ok(n)
}
