-- Reads that don't grow with history (issue 13 §4, docs/scaling.md §"Read side").
--
LOCK TABLE payments IN SHARE ROW EXCLUSIVE MODE;

-- 1. Keyset paging: a client's payments newest first by (created_at, id),
--    with and without a status filter, and every client's for operators.
CREATE INDEX payments_client_created_id_idx ON payments (client_id, created_at DESC, id DESC);
CREATE INDEX payments_client_status_created_id_idx ON payments (client_id, status, created_at DESC, id DESC);
CREATE INDEX payments_created_id_idx ON payments (created_at DESC, id DESC);
DROP INDEX payments_client_created_idx; -- a prefix of payments_client_created_id_idx
-- Operators' list of every client's webhook deliveries (ORDER BY created_at DESC, id).
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at DESC, id);

-- 2. The dashboard's figures kept by a trigger in the same transaction as
--    the payment's change. Rows are deltas summed per (client, status,
--    currency): `shard` is pg_backend_pid() % 64, the writing connection's,
--    not the payment's, so concurrent transactions of one merchant on
--    different connections touch different rows and never wait on each
--    other; a single shard's figures may go negative (a payment created on
--    one connection and settled on another), only the sum over shards is
--    meaningful.
CREATE TABLE client_payment_stats (
    client_id  text     NOT NULL,
    status     text     NOT NULL,
    currency   char(3)  NOT NULL,
    shard      smallint NOT NULL,
    n          bigint   NOT NULL DEFAULT 0, -- payments
    amount     bigint   NOT NULL DEFAULT 0, -- sum of amount, minor units
    refunded   bigint   NOT NULL DEFAULT 0, -- sum of refunded, minor units
    PRIMARY KEY (client_id, status, currency, shard)
);

CREATE FUNCTION client_payment_stats_add(c text, st text, cur char(3), dn bigint, da bigint, dr bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_payment_stats AS s (client_id, status, currency, shard, n, amount, refunded)
    VALUES (c, st, cur, (pg_backend_pid() % 64)::smallint, dn, da, dr)
    ON CONFLICT (client_id, status, currency, shard) DO UPDATE
    SET n = s.n + excluded.n, amount = s.amount + excluded.amount, refunded = s.refunded + excluded.refunded;
END
$$;

-- A status change touches two rows; they are always taken in status order
-- so two transactions moving payments in opposite directions (pending ->
-- processing and back) on one shard cannot deadlock.
CREATE FUNCTION client_payment_stats_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN -- the create's path: the upsert inline, no second call
        INSERT INTO client_payment_stats AS s (client_id, status, currency, shard, n, amount, refunded)
        VALUES (NEW.client_id, NEW.status, NEW.currency, (pg_backend_pid() % 64)::smallint, 1, NEW.amount, NEW.refunded)
        ON CONFLICT (client_id, status, currency, shard) DO UPDATE
        SET n = s.n + 1, amount = s.amount + excluded.amount, refunded = s.refunded + excluded.refunded;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM client_payment_stats_add(OLD.client_id, OLD.status, OLD.currency, -1, -OLD.amount, -OLD.refunded);
    ELSIF OLD.status IS DISTINCT FROM NEW.status OR OLD.refunded IS DISTINCT FROM NEW.refunded
        OR OLD.amount IS DISTINCT FROM NEW.amount THEN
        IF OLD.status <= NEW.status THEN
            PERFORM client_payment_stats_add(OLD.client_id, OLD.status, OLD.currency, -1, -OLD.amount, -OLD.refunded);
            PERFORM client_payment_stats_add(NEW.client_id, NEW.status, NEW.currency, 1, NEW.amount, NEW.refunded);
        ELSE
            PERFORM client_payment_stats_add(NEW.client_id, NEW.status, NEW.currency, 1, NEW.amount, NEW.refunded);
            PERFORM client_payment_stats_add(OLD.client_id, OLD.status, OLD.currency, -1, -OLD.amount, -OLD.refunded);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER payments_client_stats AFTER INSERT OR DELETE OR UPDATE OF status, refunded, amount ON payments
    FOR EACH ROW EXECUTE FUNCTION client_payment_stats_trigger();

-- Backfill: this migration runs in one transaction holding payments
-- against writes from the start, so the trigger and the figures start from
-- the same rows.
INSERT INTO client_payment_stats (client_id, status, currency, shard, n, amount, refunded)
SELECT client_id, status, currency, 0, count(*), sum(amount), sum(refunded)
FROM payments GROUP BY client_id, status, currency;
