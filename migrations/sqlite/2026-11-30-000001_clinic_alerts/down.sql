DROP TABLE clinic_alerts;
