//! A prompt's one successful send recorded on the prompt row (migration
//! `2026-12-08-300001_prompt_sent_inline`): when the dispatch that delivered a prompt made one
//! attempt (one push device, or email) and it was accepted, that attempt is the row's
//! `sent_device_id`, `sent_provider_id`, `sent_status_code` and `sent_worker_id` (with `channel`
//! and `sent_at`), and no `delivery_attempts` row is written. `sent_worker_id IS NOT NULL` says the
//! send is recorded this way.
//!
//! This module is the one place that knows it: the drain writes it ([`inline_attempt`],
//! [`mark_sent`]) and every reader of sends gets it back as the [`Attempt`] it stands for
//! ([`attempts_for`], [`last_sent_by_device`]), so each send stays answerable: when, which
//! channel, which device, which provider message id.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::super::DbConn;
use super::super::raw::{self, Param, Sql};
use super::super::schema::{devices, prompt_sends};
use super::{Attempt, Resolution};
use crate::domain::{DeliveryChannel, DeliveryOutcome, DeviceId, PatientId, PromptId};
use crate::error::Result;

/// Prompt ids per read: under SQLite's smallest host-parameter limit (999).
const CHUNK: usize = 500;

/// The attempt of a delivered prompt that is recorded on its row instead of an attempt row:
/// the prompt is `Sent` on `channel`, and `attempts` are exactly one, accepted (`sent`) on that
/// same channel. Texts (`sms`) never are: their attempt rows are written before the provider is
/// called (`super::super::sms_sends`). Any other outcome (several devices, a failure or retry,
/// nothing attempted) keeps its attempt rows.
pub fn inline_attempt<'a>(
    prompt_id: &PromptId,
    resolution: &Resolution,
    attempts: &'a [Attempt],
) -> Option<&'a Attempt> {
    match (resolution, attempts) {
        (Resolution::Sent { channel }, [a])
            if *channel != DeliveryChannel::Sms
                && a.channel == *channel
                && a.outcome == DeliveryOutcome::Sent
                && a.prompt_id == *prompt_id =>
        {
            Some(a)
        }
        _ => None,
    }
}

/// One delivered prompt for [`mark_sent`]: its channel, and its attempt when it is recorded
/// inline ([`inline_attempt`]).
pub(super) struct Delivered<'a> {
    pub prompt_id: &'a PromptId,
    pub channel: DeliveryChannel,
    pub inline: Option<&'a Attempt>,
}

/// Marks delivered prompts `sent` (or `acknowledged`, when the app acknowledged one while it
/// was being sent) with one `UPDATE … FROM (VALUES …)`, each row still guarded by its lease
/// owner and found by primary key. Sets the four inline columns on every row: the attempt's
/// for an inline send, NULL for the others. Returns the ids this worker still owned.
pub(super) fn mark_sent(
    conn: &mut DbConn,
    worker: &str,
    sent: &[Delivered<'_>],
    now: NaiveDateTime,
) -> Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Owned {
        #[diesel(sql_type = Text)]
        id: String,
    }
    const PER_ROW: usize = 6;
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    let statement = {
        let param = |i| raw::placeholder(conn, i);
        let values: Vec<String> = (0..sent.len())
            .map(|i| {
                let at = |k| param(3 + PER_ROW * i + k);
                // The status code is typed in the SQL: a column of NULLs alone is text to
                // PostgreSQL, which `sent_status_code` (INTEGER) would refuse.
                format!(
                    "({}, {}, {}, {}, CAST({} AS INTEGER), {})",
                    at(0),
                    at(1),
                    at(2),
                    at(3),
                    at(4),
                    at(5)
                )
            })
            .collect();
        format!(
            "UPDATE prompts SET status = CASE WHEN prompts.acknowledged_at IS NULL \
             THEN 'sent' ELSE 'acknowledged' END, channel = v.column2, sent_at = {now}, \
             sent_device_id = v.column3, sent_provider_id = v.column4, \
             sent_status_code = v.column5, sent_worker_id = v.column6, \
             last_error = NULL, attempts = prompts.attempts + 1, lease_owner = NULL, \
             lease_expires_at = NULL, updated_at = {now} \
             FROM (VALUES {values}) AS v \
             WHERE prompts.id = v.column1 AND prompts.lease_owner = {worker} \
             RETURNING prompts.id",
            now = param(1),
            worker = param(2),
            values = values.join(", "),
        )
    };
    let mut params = vec![Param::Timestamp(now), Param::Text(worker)];
    for d in sent {
        let a = d.inline;
        params.extend([
            Param::Text(d.prompt_id.as_str()),
            Param::Text(d.channel.as_str()),
            Param::OptText(a.and_then(|a| a.device_id.as_ref()).map(DeviceId::as_str)),
            Param::OptText(a.and_then(|a| a.provider_id.as_deref())),
            Param::OptInt(a.and_then(|a| a.status_code)),
            Param::OptText(a.map(|a| a.worker_id.as_str())),
        ]);
    }
    let rows: Vec<Owned> = raw::load(conn, Sql::built(&statement), &params)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The id an inline send is shown with: `sent-<prompt id>`, stable, and never an attempt row's
/// (those are UUIDs).
pub fn attempt_id(prompt_id: &PromptId) -> String {
    format!("sent-{prompt_id}")
}

/// The columns of a prompt row that record an inline send.
#[derive(Queryable, Selectable)]
#[diesel(table_name = prompt_sends)]
struct InlineSend {
    id: PromptId,
    channel: Option<DeliveryChannel>,
    sent_at: Option<NaiveDateTime>,
    sent_device_id: Option<DeviceId>,
    sent_provider_id: Option<String>,
    sent_status_code: Option<i32>,
    sent_worker_id: Option<String>,
}

impl InlineSend {
    /// The attempt it stands for: outcome `sent` at `sent_at`, no error, no receipt.
    fn into_attempt(self) -> Option<Attempt> {
        Some(Attempt {
            id: attempt_id(&self.id),
            device_id: self.sent_device_id,
            channel: self.channel?,
            outcome: DeliveryOutcome::Sent,
            status_code: self.sent_status_code,
            error: None,
            provider_id: self.sent_provider_id,
            worker_id: self.sent_worker_id?,
            attempted_at: self.sent_at?,
            prompt_id: self.id,
        })
    }
}

/// The inline sends among `prompt_ids`, each as the [`Attempt`] it stands for (prompts whose
/// sends are attempt rows, or that were never sent, have none): one primary-key read per 500
/// ids. Merged with the attempt rows, a prompt's log is ordered by time, then id (at the same
/// instant an inline send, `sent-…`, comes after the rows).
pub fn attempts_for(conn: &mut DbConn, prompt_ids: &[PromptId]) -> Result<Vec<Attempt>> {
    let mut out = Vec::new();
    for chunk in prompt_ids.chunks(CHUNK) {
        let rows: Vec<InlineSend> = prompt_sends::table
            .filter(prompt_sends::id.eq_any(chunk))
            .filter(prompt_sends::sent_worker_id.is_not_null())
            .select(InlineSend::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(InlineSend::into_attempt));
    }
    Ok(out)
}

/// When each of `ids` last had an inline send; devices never sent to this way are absent.
/// Reads the prompts of the devices' patients through `prompts_patient (patient_id, due_at)`,
/// never the whole table.
pub fn last_sent_by_device(
    conn: &mut DbConn,
    ids: &[&DeviceId],
) -> Result<Vec<(DeviceId, NaiveDateTime)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let patients = devices::table
        .filter(devices::id.eq_any(ids))
        .select(devices::patient_id);
    let rows: Vec<(Option<DeviceId>, Option<NaiveDateTime>)> = prompt_sends::table
        .filter(prompt_sends::patient_id.eq_any(patients))
        .filter(prompt_sends::sent_device_id.eq_any(ids))
        .filter(prompt_sends::sent_worker_id.is_not_null())
        .group_by(prompt_sends::sent_device_id)
        .select((
            prompt_sends::sent_device_id,
            diesel::dsl::max(prompt_sends::sent_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id?, at?)))
        .collect())
}

/// Clears the device of the patient's inline sends, as deleting the devices clears an attempt
/// row's `device_id` (its foreign key is `ON DELETE SET NULL`). Returns how many were cleared.
pub fn forget_devices_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<usize> {
    Ok(diesel::update(
        prompt_sends::table
            .filter(prompt_sends::patient_id.eq(patient_id))
            .filter(prompt_sends::sent_device_id.is_not_null()),
    )
    .set(prompt_sends::sent_device_id.eq(None::<String>))
    .execute(conn)?)
}

/// Forgets the inline sends made before `before`, as pruning deletes attempt rows of that age:
/// the prompt stays `sent` at `sent_at` on `channel`, without its device, provider message id,
/// status or worker. Returns how many. A scan of the prompts table (no index has `sent_at`),
/// once a day in the prune job.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::update(
        prompt_sends::table
            .filter(prompt_sends::sent_worker_id.is_not_null())
            .filter(prompt_sends::sent_at.lt(before)),
    )
    .set((
        prompt_sends::sent_device_id.eq(None::<String>),
        prompt_sends::sent_provider_id.eq(None::<String>),
        prompt_sends::sent_status_code.eq(None::<i32>),
        prompt_sends::sent_worker_id.eq(None::<String>),
    ))
    .execute(conn)?)
}
