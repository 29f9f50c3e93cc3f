DROP INDEX IF EXISTS payments_expiry_idx;
ALTER TABLE attempts DROP COLUMN IF EXISTS next_check_at, DROP COLUMN IF EXISTS checks;
