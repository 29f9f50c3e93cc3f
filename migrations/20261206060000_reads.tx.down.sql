DROP TRIGGER IF EXISTS payments_client_stats ON payments;
DROP FUNCTION IF EXISTS client_payment_stats_trigger();
DROP FUNCTION IF EXISTS client_payment_stats_add(text, text, char(3), bigint, bigint, bigint);
DROP TABLE IF EXISTS client_payment_stats;
CREATE INDEX IF NOT EXISTS payments_client_created_idx ON payments (client_id, created_at DESC);
DROP INDEX IF EXISTS webhook_deliveries_created_idx;
DROP INDEX IF EXISTS payments_created_id_idx;
DROP INDEX IF EXISTS payments_client_status_created_id_idx;
DROP INDEX IF EXISTS payments_client_created_id_idx;
