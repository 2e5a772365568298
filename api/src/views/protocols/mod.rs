//! Bodies of the clinic protocol routes (`/v1/clinic/protocols*`, docs/CONTRACT.md "Clinic
//! additions"): a version's summary and document, the edit body (parsed with every bad entry
//! named by its JSON path), the publish body and the preview's query and answer.

mod document;
mod preview;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::care::protocols::{Published, Summary, Versioned};
use shared::domain::{ProtocolId, ProtocolStatus, UserId};
use shared::protocol::document::PromptDocument;
use shared::protocol::document::{ProtocolDocument, TriageDocument};
use shared::time::to_utc;

pub use document::{DOCUMENT_LIMIT, UpdateProtocol};
pub use preview::{PreviewParams, PreviewPrompt, ProtocolPreview};

/// `GET /v1/clinic/protocols?limit=&cursor=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProtocolListParams {
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::pagination::limit_param")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One version of the clinic's protocol, without its prompts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProtocolSummary {
    pub id: ProtocolId,
    /// 1, 2, … per clinic; treatments planned with it record `protocol_version: "clinic-<version>"`.
    pub version: i32,
    /// `draft` (editable), `published` (what new treatments are planned with; one at most) or
    /// `retired` (published, then replaced).
    pub status: ProtocolStatus,
    /// `default` (the product's protocol) or the id of the version it was copied from.
    pub based_on: String,
    pub created_at: DateTime<Utc>,
    /// The last edit of the draft (the creation for an unedited one).
    pub updated_at: DateTime<Utc>,
    /// Null while a draft.
    pub published_at: Option<DateTime<Utc>>,
    /// The administrator who published it (null while a draft).
    pub published_by: Option<UserId>,
    /// Their name as the clinic knows it (null while a draft, or once the account is erased).
    pub published_by_name: Option<String>,
}

impl From<&Summary> for ProtocolSummary {
    fn from(s: &Summary) -> Self {
        ProtocolSummary {
            id: s.id.clone(),
            version: s.version,
            status: s.status,
            based_on: s.based_on.clone(),
            created_at: to_utc(s.created_at),
            updated_at: to_utc(s.updated_at),
            published_at: s.published_at.map(to_utc),
            published_by: s.published_by.clone(),
            published_by_name: s.published_by_name.clone(),
        }
    }
}

/// A page of the clinic's protocol versions, newest version first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProtocolPage {
    pub items: Vec<ProtocolSummary>,
    /// Pass as `?cursor=` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `POST /v1/clinic/protocols`: where the new draft's prompts and triage come from.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProtocol {
    /// `default` (the product's protocol) or the id of one of the clinic's versions (any other
    /// value, of any type, is 422 naming `based_on`).
    #[schema(value_type = String)]
    pub based_on: serde_json::Value,
}

/// A version and its document: the summary's members, then `prompts` and `triage`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProtocolView {
    #[serde(flatten)]
    pub summary: ProtocolSummary,
    pub prompts: Vec<PromptDocument>,
    pub triage: TriageDocument,
}

impl From<Versioned> for ProtocolView {
    fn from(v: Versioned) -> Self {
        let ProtocolDocument { prompts, triage } = v.document;
        ProtocolView {
            summary: ProtocolSummary::from(&v.summary),
            prompts,
            triage,
        }
    }
}

/// `POST /v1/clinic/protocols/{id}/publish`, optional: with no body nobody is re-planned.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishProtocol {
    /// Also move every current patient's current treatment to this version and re-plan what
    /// has not been sent yet (each audited `protocol.replan`). Default `false`: only treatments
    /// recorded from now on use it.
    #[serde(default)]
    pub replan_current_patients: bool,
}

/// The published version, and how many current patients were re-planned with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProtocolPublished {
    #[serde(flatten)]
    pub summary: ProtocolSummary,
    /// Patients moved to this version (0 unless `replan_current_patients`).
    pub replanned: usize,
}

impl From<Published> for ProtocolPublished {
    fn from(p: Published) -> Self {
        ProtocolPublished {
            summary: ProtocolSummary::from(&p.summary),
            replanned: p.replanned,
        }
    }
}
