DROP TABLE vapid_keys;
-- Leave only what the schema (and the binary) before Web Push can read: its channel enum has
-- no `webpush`, its platforms no `web`. A prompt delivered by Web Push keeps its status with no
-- channel recorded; the attempts and the browser devices go (the subscriptions cannot be sent
-- to without this migration anyway).
UPDATE prompts SET channel = NULL WHERE channel = 'webpush';
DELETE FROM delivery_attempts WHERE channel = 'webpush';
DELETE FROM devices WHERE provider = 'webpush' OR platform = 'web';
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_channel_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_channel_check
    CHECK (channel IN ('fcm', 'apns', 'email', 'log'));
ALTER TABLE devices DROP COLUMN webpush_auth;
ALTER TABLE devices DROP COLUMN webpush_p256dh;
ALTER TABLE devices DROP CONSTRAINT devices_provider_check;
ALTER TABLE devices ADD CONSTRAINT devices_provider_check CHECK (provider IN ('fcm', 'apns'));
ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
ALTER TABLE devices ADD CONSTRAINT devices_platform_check CHECK (platform IN ('ios', 'android'));
