-- Every call to POST /api/v1/webhook (gateways' status updates), accepted
-- or not, with what was received and the verdict.
CREATE TABLE gateway_webhooks (
    id           bigserial PRIMARY KEY,
    gateway      text NOT NULL,
    event_id     text NOT NULL DEFAULT '',
    event        text NOT NULL DEFAULT '',
    payment_id   text NOT NULL DEFAULT '',
    source_ip    text NOT NULL,
    headers      jsonb NOT NULL,
    body         text NOT NULL,
    verdict      text NOT NULL,
    detail       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);
-- One accepted event per gateway event id: replays are recognised.
CREATE UNIQUE INDEX gateway_webhooks_accepted_key ON gateway_webhooks (gateway, event_id) WHERE verdict = 'accepted';
CREATE INDEX gateway_webhooks_created_idx ON gateway_webhooks (created_at DESC);
