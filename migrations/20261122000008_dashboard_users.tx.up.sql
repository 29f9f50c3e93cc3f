-- Dashboard users (issue 12): operators (admin, support) and merchant users
-- bound to one client; their refresh-token sessions; the operators' audit log.

CREATE TABLE dashboard_users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'support', 'merchant')),
    client_id     text REFERENCES clients (id),
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK ((role = 'merchant') = (client_id IS NOT NULL))
);
CREATE UNIQUE INDEX dashboard_users_email_key ON dashboard_users (lower(email));

-- Rotating refresh tokens: each use replaces the token by a new one of the
-- same family; presenting a replaced token again revokes the whole family.
-- Only a SHA-256 of the token is stored.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    family_id   text NOT NULL,
    user_id     text NOT NULL REFERENCES dashboard_users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Every operator action: who, what, on what, before and after, when.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    text NOT NULL,
    actor_email text NOT NULL,
    actor_role  text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    client_id   text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    at          timestamptz NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
