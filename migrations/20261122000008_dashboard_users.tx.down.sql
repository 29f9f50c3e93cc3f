DROP TABLE audit_log;
DROP TABLE refresh_tokens;
DROP TABLE dashboard_users;
