-- The inline sends become attempt rows again before their columns go, so no send is lost (a
-- device deleted since is NULL there, as the attempt's foreign key would have made it).
INSERT INTO delivery_attempts (id, prompt_id, device_id, channel, outcome, status_code, error,
                               provider_id, worker_id, attempted_at)
SELECT 'sent-' || id, id, (SELECT d.id FROM devices d WHERE d.id = prompts.sent_device_id),
       channel, 'sent', sent_status_code, NULL, sent_provider_id, sent_worker_id, sent_at
FROM prompts
WHERE sent_worker_id IS NOT NULL AND channel IS NOT NULL AND sent_at IS NOT NULL;
ALTER TABLE prompts DROP COLUMN sent_worker_id;
ALTER TABLE prompts DROP COLUMN sent_status_code;
ALTER TABLE prompts DROP COLUMN sent_provider_id;
ALTER TABLE prompts DROP COLUMN sent_device_id;
