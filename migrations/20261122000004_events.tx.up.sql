-- The event log and the merchant webhook deliveries it feeds.
CREATE TABLE events (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    client_id   text NOT NULL REFERENCES clients (id),
    payment_id  text NOT NULL REFERENCES payments (id),
    payload     text NOT NULL,     -- the exact webhook body (bytes as signed)
    created_at  timestamptz NOT NULL
);
CREATE INDEX events_payment_idx ON events (payment_id, created_at);
CREATE INDEX events_client_idx ON events (client_id, created_at DESC);

CREATE TABLE webhook_deliveries (
    id            text PRIMARY KEY,
    event_id      text NOT NULL REFERENCES events (id),
    client_id     text NOT NULL REFERENCES clients (id),
    url           text NOT NULL,
    status        text NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    last_status   integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    delivered_at  timestamptz
);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_client_idx ON webhook_deliveries (client_id, created_at DESC);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES webhook_deliveries (id),
    attempt      integer NOT NULL,
    at           timestamptz NOT NULL,
    status_code  integer NOT NULL DEFAULT 0,
    latency_ms   integer NOT NULL,
    response     text NOT NULL DEFAULT '',
    error        text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);
