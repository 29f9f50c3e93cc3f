DROP TABLE IF EXISTS gateway_calls, request_logs, idempotency_keys, refunds;
ALTER TABLE clients DROP COLUMN IF EXISTS rate_limit_per_minute;
