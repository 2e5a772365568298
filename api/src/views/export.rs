//! The patient's copy of their data (docs/CONTRACT.md `GET /v1/me/export`): one JSON document with
//! everything held about them. Device tokens are shown by their last four characters only: a
//! full push token in a file the patient may forward would let anyone who holds it, and the
//! app's push credentials, reach that phone.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::care::devices::Device;
use shared::care::rights::Export;
use shared::domain::{
    ApnsEnvironment, AuditAction, DeviceId, Locale, LockScreenPreview, PatientId, Platform,
    PushProvider,
};
use shared::time::to_utc;

use super::patient::ClinicContact;
use super::prompt::PromptView;
use super::record::{
    PatientRecordChannels, PatientRecordCheckIn, PatientRecordEscalation, PatientRecordNextSession,
    PatientRecordQuietHours, PatientRecordTreatment, PatientStatus,
};

/// The export's format version, raised when a field changes meaning.
pub const EXPORT_FORMAT: u32 = 1;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatientExport {
    /// The document's format version (1).
    pub format: u32,
    pub exported_at: DateTime<Utc>,
    pub profile: ExportProfile,
    /// What the patient consented to be sent, how and when (delivery preferences).
    pub preferences: ExportPreferences,
    pub clinic: ClinicContact,
    /// Newest first.
    pub treatments: Vec<PatientRecordTreatment>,
    pub next_session: Option<PatientRecordNextSession>,
    /// Every prompt, sent or planned, with its status and acknowledgement, in delivery order.
    pub prompts: Vec<PromptView>,
    /// Newest first.
    pub check_ins: Vec<PatientRecordCheckIn>,
    /// What the clinic was told of, and whether it is resolved; newest first.
    pub escalations: Vec<PatientRecordEscalation>,
    /// The answers given before booked sessions, newest first.
    pub screenings: Vec<super::screening::PatientRecordScreening>,
    pub devices: Vec<ExportDevice>,
    /// Each time the record was read or changed (by the clinic, the app or this export),
    /// newest first.
    pub access_log: Vec<ExportAccess>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportProfile {
    pub id: PatientId,
    pub email: String,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = PatientStatus)]
    pub status: String,
    pub enrolled_at: DateTime<Utc>,
    pub discharged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportPreferences {
    /// IANA zone name.
    pub timezone: String,
    #[schema(value_type = Locale)]
    pub locale: String,
    pub quiet_hours: PatientRecordQuietHours,
    pub channels: PatientRecordChannels,
    #[schema(value_type = LockScreenPreview)]
    pub lock_screen_preview: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportDevice {
    pub id: DeviceId,
    pub platform: Platform,
    pub provider: PushProvider,
    pub apns_environment: Option<ApnsEnvironment>,
    pub app_version: Option<String>,
    pub active: bool,
    /// The token's last four characters (the whole token is never shown).
    pub token_ending: String,
    pub registered_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportAccess {
    pub at: DateTime<Utc>,
    /// What was done.
    #[schema(value_type = AuditAction)]
    pub action: String,
}

impl From<Device> for ExportDevice {
    fn from(d: Device) -> Self {
        let token_ending = super::my_lists::token_hint(&d.token);
        Self {
            id: d.id,
            platform: d.platform,
            provider: d.provider,
            apns_environment: d.apns_environment,
            app_version: d.app_version,
            active: d.active,
            token_ending,
            registered_at: to_utc(d.created_at),
        }
    }
}

impl PatientExport {
    pub fn new(e: Export, exported_at: DateTime<Utc>) -> Self {
        let r = e.record;
        let p = r.profile;
        Self {
            format: EXPORT_FORMAT,
            exported_at,
            profile: ExportProfile {
                id: p.user_id,
                email: r.email,
                given_name: p.given_name,
                family_name: p.family_name,
                phone: p.phone,
                status: r.status,
                enrolled_at: to_utc(p.created_at),
                discharged_at: p.discharged_at.map(to_utc),
            },
            preferences: ExportPreferences {
                timezone: p.timezone.name().to_owned(),
                locale: p.locale.as_str().to_owned(),
                quiet_hours: PatientRecordQuietHours {
                    start: p.quiet_start,
                    end: p.quiet_end,
                },
                channels: PatientRecordChannels {
                    push: p.push_enabled,
                    email: p.email_enabled,
                    sms: p.sms_enabled,
                },
                lock_screen_preview: p.lock_screen_preview.as_str().to_owned(),
            },
            clinic: ClinicContact {
                name: e.clinic.name,
                contact_phone: e.clinic.contact_phone,
            },
            treatments: r
                .treatments
                .into_iter()
                .map(PatientRecordTreatment::from)
                .collect(),
            next_session: r.next_session.map(|b| PatientRecordNextSession {
                id: b.id,
                starts_at: to_utc(b.starts_at),
            }),
            prompts: r.prompts.iter().map(PromptView::from).collect(),
            check_ins: r
                .check_ins
                .into_iter()
                .map(PatientRecordCheckIn::from)
                .collect(),
            escalations: r
                .escalations
                .into_iter()
                .map(PatientRecordEscalation::from)
                .collect(),
            screenings: r.screenings.into_iter().map(Into::into).collect(),
            devices: e.devices.into_iter().map(ExportDevice::from).collect(),
            access_log: e
                .access_log
                .into_iter()
                .map(|a| ExportAccess {
                    at: to_utc(a.at),
                    action: a.action.to_string(),
                })
                .collect(),
        }
    }
}
