//! The patient's side of a prompt: acknowledging it (docs/CONTRACT.md
//! `POST /v1/me/prompts/{id}/ack`).

use chrono::NaiveDateTime;

use crate::db::{Db, prompts};
use crate::domain::{PatientId, PromptId};
use crate::error::Result;

pub use crate::db::prompts::{Acknowledged, Prompt};

/// Records that the patient acknowledged one of their prompts; idempotent (a second ack keeps
/// the first time). Errors: `NotFound` for another patient's prompt or an unknown id,
/// `Conflict` for a cancelled prompt.
pub async fn acknowledge(
    db: &Db,
    patient_id: &PatientId,
    prompt_id: &PromptId,
    now: NaiveDateTime,
) -> Result<Acknowledged> {
    let (patient, prompt) = (patient_id.to_owned(), prompt_id.to_owned());
    db.transaction(move |c| prompts::acknowledge(c, &patient, &prompt, now))
        .await
}
