//! Delivery receipts: the provider's status callback (Twilio `MessageSid`, `MessageStatus`,
//! `ErrorCode`) recorded as an event and on the text's attempt.

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::db::sms as rows;
use crate::domain::SmsReceipt;
use crate::error::Result;

/// What [`record_receipt`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// This message's receipt with this status was recorded before: nothing was written (the
    /// API answers 403, as for a bad signature).
    Replay,
    /// Recorded as an event, and on the `sms` attempt with this provider id when there is one
    /// and its receipt was not already the same or later.
    Recorded,
}

/// Records a delivery receipt in one transaction: the event (`provider_id`, `status`, Twilio
/// `ErrorCode` when given), then the receipt of the `sms` attempt whose `provider_id` it is
/// (none yet is fine: the event is kept). A receipt never goes back on the attempt: `queued` <
/// `sent` < the final ones (`delivered`, `undelivered`, `failed`), and the first final one stays
/// (status callbacks may arrive out of order; Twilio docs "Outbound Message Status in Status
/// Callbacks"). Errors: database errors only.
pub async fn record_receipt(
    db: &Db,
    provider_id: &str,
    status: SmsReceipt,
    error_code: Option<String>,
    now: NaiveDateTime,
) -> Result<Receipt> {
    // PostgreSQL refuses a NUL in text: dropped on both backends.
    let provider_id = provider_id.replace('\0', "");
    let error_code = error_code.map(|e| e.replace('\0', ""));
    db.transaction(move |conn| {
        if !rows::insert_status_event(conn, &provider_id, status, error_code.as_deref(), now)? {
            return Ok(Receipt::Replay);
        }
        rows::update_attempt_receipt(conn, &provider_id, status, now)?;
        Ok(Receipt::Recorded)
    })
    .await
}
