-- Leave only what the schema before SMS can read: texts and their records go, prompts sent by
-- text keep their status with no channel recorded, pending attempts become failed ones.
DROP TABLE prompt_follow_ups;
DROP TABLE sms_status_events;
DROP TABLE sms_inbound;
DROP TABLE sms_consents;
UPDATE prompts SET channel = NULL WHERE channel = 'sms';
DELETE FROM delivery_attempts WHERE channel = 'sms';
UPDATE delivery_attempts SET outcome = 'failed' WHERE outcome = 'pending';
DROP INDEX delivery_attempts_sms;
ALTER TABLE delivery_attempts DROP COLUMN receipt_at;
ALTER TABLE delivery_attempts DROP COLUMN receipt;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_outcome_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_outcome_check
    CHECK (outcome IN ('sent', 'retry', 'invalid_token', 'failed'));
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_channel_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_channel_check
    CHECK (channel IN ('fcm', 'apns', 'webpush', 'email', 'log'));
ALTER TABLE prompts DROP COLUMN ack_window_secs;
ALTER TABLE prompts DROP COLUMN important;
ALTER TABLE patient_profiles DROP COLUMN sms_enabled;
