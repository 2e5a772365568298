-- Web Push (RFC 8030) as a third push provider: a browser's subscription is a device of
-- platform `web` and provider `webpush`. Its endpoint URL is the device's `token` (unique as
-- every token); the subscription's keys (RFC 8291: the user agent's P-256 public key and the
-- 16-byte authentication secret, base64url) are new nullable columns. Deliveries to it are of
-- channel `webpush`.
ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
ALTER TABLE devices ADD CONSTRAINT devices_platform_check
    CHECK (platform IN ('ios', 'android', 'web'));
ALTER TABLE devices DROP CONSTRAINT devices_provider_check;
ALTER TABLE devices ADD CONSTRAINT devices_provider_check
    CHECK (provider IN ('fcm', 'apns', 'webpush'));
ALTER TABLE devices ADD COLUMN webpush_p256dh TEXT;
ALTER TABLE devices ADD COLUMN webpush_auth TEXT;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_channel_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_channel_check
    CHECK (channel IN ('fcm', 'apns', 'webpush', 'email', 'log'));

-- The VAPID key pair (RFC 8292) kept when one is generated at first start (the embedded default
-- does this; a PostgreSQL deployment configures its key instead). One row at most.
CREATE TABLE vapid_keys (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    private_key     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
