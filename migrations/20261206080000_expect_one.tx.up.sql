-- paycore_expect_one(n) fails its statement, and so its transaction, with
-- a serialization failure (40001) unless n = 1. A job step's write-back
-- guarded by the row the step read before its send (adapters/postgres:
-- UpdateSeen, UpdateDeliverySeen) passes it the rows it updated: a row
-- changed meanwhile writes nothing, and TxProvider.Transact runs the step
-- again, locking the row (docs/platform.md §2).
CREATE FUNCTION paycore_expect_one(n bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF n <> 1 THEN
        RAISE EXCEPTION 'row changed since it was read' USING ERRCODE = 'serialization_failure';
    END IF;
END
$$;
