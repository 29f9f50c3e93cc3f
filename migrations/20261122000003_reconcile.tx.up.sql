-- Reconciliation of attempts whose confirm got no answer: how often they
-- were checked and when to check next (backoff).
ALTER TABLE attempts ADD COLUMN checks integer NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN next_check_at timestamptz;
CREATE INDEX attempts_next_check_idx ON attempts (next_check_at) WHERE status = 'unresolved';
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending';
