DROP TABLE IF EXISTS attempt_reviews;
DROP INDEX IF EXISTS attempts_gateway_trx_key;
