-- Clients (merchants), their API keys and nonces.
CREATE TABLE clients (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    webhook_url         text NOT NULL DEFAULT '',
    commission_bps      integer NOT NULL DEFAULT 0 CHECK (commission_bps BETWEEN 0 AND 10000),
    language            text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'bn')),
    webhook_secret_enc  bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key         text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES clients (id),
    secret_enc  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_client_id_idx ON api_keys (client_id);

CREATE TABLE api_nonces (
    client_id  text NOT NULL,
    nonce      text NOT NULL,
    used_at    timestamptz NOT NULL,
    PRIMARY KEY (client_id, nonce)
);
CREATE INDEX api_nonces_used_at_idx ON api_nonces (used_at);

-- A payment carries its order (1:1).
CREATE TABLE payments (
    id              text PRIMARY KEY,
    client_id       text NOT NULL REFERENCES clients (id),
    order_id        text NOT NULL,
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL,
    customer_name   text NOT NULL DEFAULT '',
    customer_email  text NOT NULL DEFAULT '',
    customer_phone  text NOT NULL DEFAULT '',
    return_url      text NOT NULL,
    webhook_url     text NOT NULL DEFAULT '',
    metadata        jsonb,
    gateway         text NOT NULL DEFAULT '',
    gateway_ref     text NOT NULL DEFAULT '',
    trx_id          text NOT NULL DEFAULT '',
    refunded        bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    version         integer NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (client_id, order_id)
);
CREATE INDEX payments_client_created_idx ON payments (client_id, created_at DESC);
CREATE INDEX payments_status_idx ON payments (status) WHERE status IN ('pending', 'processing');

CREATE TABLE attempts (
    id               text PRIMARY KEY,
    payment_id       text NOT NULL REFERENCES payments (id),
    gateway          text NOT NULL,
    status           text NOT NULL,
    amount           bigint NOT NULL CHECK (amount > 0),
    currency         char(3) NOT NULL,
    gateway_ref      text,
    redirect_url     text NOT NULL DEFAULT '',
    signature        text NOT NULL DEFAULT '',
    trx_id           text NOT NULL DEFAULT '',
    failure_code     text NOT NULL DEFAULT '',
    failure_message  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX attempts_payment_idx ON attempts (payment_id, created_at);
CREATE UNIQUE INDEX attempts_gateway_ref_key ON attempts (gateway, gateway_ref) WHERE gateway_ref IS NOT NULL;
CREATE INDEX attempts_open_idx ON attempts (status, updated_at) WHERE status IN ('redirected', 'confirming', 'unresolved');

-- Customer SMS.
CREATE TABLE notifications (
    id            text PRIMARY KEY,
    payment_id    text NOT NULL REFERENCES payments (id),
    client_id     text NOT NULL REFERENCES clients (id),
    channel       text NOT NULL DEFAULT 'sms',
    recipient     text NOT NULL,
    template      text NOT NULL,
    language      text NOT NULL,
    body          text NOT NULL,
    status        text NOT NULL,
    provider      text NOT NULL DEFAULT '',
    provider_ref  text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz
);
CREATE INDEX notifications_payment_idx ON notifications (payment_id);

-- Gateway access tokens shared by every node (bKash: one id_token for all),
-- sealed as JSON with AES-GCM.
CREATE TABLE gateway_tokens (
    gateway     text PRIMARY KEY,
    token_enc   bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
