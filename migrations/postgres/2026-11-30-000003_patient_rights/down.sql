ALTER TABLE devices DROP COLUMN apns_environment;
ALTER TABLE devices DROP COLUMN provider;
