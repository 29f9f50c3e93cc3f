-- Nagad and the redirect gateway.

-- One gateway transaction settles one attempt (so one payment) at most: a
-- redirect gateway transaction_id replayed on another payment, or claimed
-- twice, is refused. '' is "no transaction yet".
CREATE UNIQUE INDEX attempts_gateway_trx_key ON attempts (gateway, trx_id) WHERE trx_id <> '';

-- Attempts an operator must look at: unverified claims (a signed redirect
-- gateway return without a verify endpoint), gateway answers that do not
-- match the attempt (amount, order, transaction), money that moved on a
-- payment no longer payable. One review per attempt; decided once.
CREATE TABLE attempt_reviews (
    attempt_id  text PRIMARY KEY REFERENCES attempts (id),
    payment_id  text NOT NULL REFERENCES payments (id),
    gateway     text NOT NULL,
    reason      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    trx_id      text NOT NULL DEFAULT '',
    status      text NOT NULL CHECK (status IN ('open', 'confirmed', 'rejected')),
    decided_by  text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    decided_at  timestamptz
);
CREATE INDEX attempt_reviews_status_idx ON attempt_reviews (status, created_at);
