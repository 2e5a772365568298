-- A prompt the patient acknowledged in the app before it was sent is not sent afterwards: it
-- is `acknowledged` (with no `sent_at`), no longer in the queue. Rows acknowledged while still
-- `scheduled` under the previous rule take that status now.
UPDATE prompts SET status = 'acknowledged'
WHERE status = 'scheduled' AND acknowledged_at IS NOT NULL;
