DROP TABLE push_quotas;
