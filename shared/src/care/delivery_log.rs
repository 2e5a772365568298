//! Which channels a prompt was tried on and what was confirmed (docs/CONTRACT.md, v1 additions:
//! the timeline's and the patient record's per-prompt `deliveries`).
//!
//! Every recorded attempt is one step: a push to each device, a text, an email. A step is
//! `sent` when the provider took it (or a text was recorded before the provider call and not yet
//! completed), `delivered` when the provider confirmed it reached the handset (a text's
//! `delivered` receipt; push and email have no receipts), `failed` when the provider refused it
//! (now or for good) or reported it undelivered.

use std::collections::HashMap;

use crate::db::delivery_log;
use crate::db::{Db, DbConn};
use crate::domain::PromptId;
use crate::error::Result;

pub use crate::db::delivery_log::{DeliveryStep, DeliveryStepStatus};

/// Each prompt's steps, oldest first; a prompt never attempted has no entry. One query for any
/// page of prompts (see [`delivery_log::for_prompts`]).
pub async fn for_prompts(
    db: &Db,
    prompt_ids: Vec<PromptId>,
) -> Result<HashMap<PromptId, Vec<DeliveryStep>>> {
    db.run(move |conn| for_prompts_on(conn, &prompt_ids)).await
}

/// [`for_prompts`] on a connection the caller already holds (the timeline reads the session,
/// the prompts and their steps on one checkout).
pub fn for_prompts_on(
    conn: &mut DbConn,
    prompt_ids: &[PromptId],
) -> Result<HashMap<PromptId, Vec<DeliveryStep>>> {
    delivery_log::steps_for_prompts(conn, prompt_ids)
}
