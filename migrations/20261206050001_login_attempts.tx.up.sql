-- Dashboard login attempts (issue 12), counted by every node: failed logins
-- per account ("email:…") and logins per address ("ip:…") within
-- app.LoginWindow. Old rows are pruned by the logins themselves.
CREATE TABLE login_attempts (
    id   bigserial PRIMARY KEY,
    key  text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX login_attempts_key_at_idx ON login_attempts (key, at);
CREATE INDEX login_attempts_at_idx ON login_attempts (at);
