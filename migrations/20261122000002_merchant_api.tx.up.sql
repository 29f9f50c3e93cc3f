-- Merchant API v1: per-client rate limits, refunds, idempotency keys,
-- request log and recorded gateway calls (for /gateways/health).
ALTER TABLE clients ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0);

CREATE TABLE refunds (
    id               text PRIMARY KEY,
    payment_id       text NOT NULL REFERENCES payments (id),
    client_id        text NOT NULL REFERENCES clients (id),
    amount           bigint NOT NULL CHECK (amount > 0),
    currency         char(3) NOT NULL,
    reason           text NOT NULL,
    status           text NOT NULL,
    gateway_ref      text NOT NULL DEFAULT '',
    failure_code     text NOT NULL DEFAULT '',
    failure_message  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX refunds_payment_idx ON refunds (payment_id, created_at);

CREATE TABLE idempotency_keys (
    client_id     text NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    status_code   integer,          -- NULL while the first request runs
    response      bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE request_logs (
    id             bigserial PRIMARY KEY,
    client_id      text NOT NULL DEFAULT '',
    method         text NOT NULL,
    endpoint       text NOT NULL,
    status_code    integer NOT NULL,
    request_body   text NOT NULL DEFAULT '',
    response_body  text NOT NULL DEFAULT '',
    ip             text NOT NULL DEFAULT '',
    latency_ms     integer NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX request_logs_client_created_idx ON request_logs (client_id, created_at DESC);
CREATE INDEX request_logs_created_idx ON request_logs (created_at);

CREATE TABLE gateway_calls (
    id           bigserial PRIMARY KEY,
    gateway      text NOT NULL,
    operation    text NOT NULL,
    outcome      text NOT NULL,     -- ok | refused | no_answer
    http_status  integer NOT NULL DEFAULT 0,
    latency_ms   integer NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX gateway_calls_gateway_created_idx ON gateway_calls (gateway, created_at DESC);
