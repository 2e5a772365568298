-- Devices say which push service reaches them: apps built with Flutter or React Native register
-- FCM tokens on iOS too, and debug builds from Xcode get APNs sandbox tokens. Existing rows keep
-- what the platform implied until now (android → FCM, ios → APNs production).
ALTER TABLE devices ADD COLUMN provider TEXT NOT NULL DEFAULT 'fcm'
    CHECK (provider IN ('fcm', 'apns'));
ALTER TABLE devices ADD COLUMN apns_environment TEXT
    CHECK (apns_environment IN ('production', 'sandbox'));
UPDATE devices SET provider = 'apns', apns_environment = 'production' WHERE platform = 'ios';
