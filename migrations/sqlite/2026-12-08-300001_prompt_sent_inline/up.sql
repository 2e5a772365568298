-- A prompt's one successful send, recorded on the prompt row instead of an attempt row: the
-- common case (the delivering dispatch made one attempt, one push or email, and it was
-- accepted) costs one UPDATE and no INSERT. `sent_worker_id IS NOT NULL` means the prompt's
-- send is recorded here and has no `delivery_attempts` row. Earlier dispatches' failed tries
-- (retries) keep their rows; a delivering dispatch of several attempts (several devices, one
-- failing) and every text keep all their rows and leave the four columns NULL. Readers of the delivery log see the
-- inline send as an attempt (`shared::db::deliveries::inline`): channel `prompts.channel`,
-- outcome `sent`, at `prompts.sent_at`.
--
-- `sent_device_id` is the device it went to (NULL for email). No foreign key on purpose: a
-- check per resolved prompt is the cost this removes. Device ids are opaque; a deleted device
-- leaves its id here, except on erasure, which clears it as it does an attempt's `device_id`.
ALTER TABLE prompts ADD COLUMN sent_device_id TEXT;
-- The provider's message id, as `delivery_attempts.provider_id`.
ALTER TABLE prompts ADD COLUMN sent_provider_id TEXT;
-- The provider's HTTP status, as `delivery_attempts.status_code`.
ALTER TABLE prompts ADD COLUMN sent_status_code INTEGER;
-- The worker that sent it, as `delivery_attempts.worker_id`.
ALTER TABLE prompts ADD COLUMN sent_worker_id TEXT;
