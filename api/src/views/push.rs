//! Web Push's public bodies (docs/CONTRACT.md v1 additions, `GET /v1/push/vapid-public-key`).

use serde::Serialize;

/// The application server key browsers subscribe with (`pushManager.subscribe({
/// applicationServerKey })`, RFC 8292 §3.2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VapidPublicKey {
    /// base64url (unpadded) of the uncompressed P-256 point, 65 bytes.
    pub public_key: String,
}
