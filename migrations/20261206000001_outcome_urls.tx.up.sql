-- Outcome-aware returns: a merchant may send the shopper to a page of its
-- own for a cancelled payment and for a failed or expired one. '' is "not
-- given": return_url serves every outcome.
ALTER TABLE payments
    ADD COLUMN cancel_url  text NOT NULL DEFAULT '',
    ADD COLUMN failure_url text NOT NULL DEFAULT '';
