DROP TRIGGER clinic_alerts_due_updated ON clinic_alerts;
DROP TRIGGER clinic_alerts_due_inserted ON clinic_alerts;
DROP TRIGGER prompts_due_updated ON prompts;
DROP TRIGGER prompts_due_inserted ON prompts;
DROP FUNCTION clinic_alerts_notify_inserted();
DROP FUNCTION prompts_notify_inserted();
DROP FUNCTION aftercare_notify_due();
