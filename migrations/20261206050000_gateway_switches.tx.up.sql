-- The operators' gateway switches (issue 12): a disabled gateway takes no
-- new attempt; a gateway without a row is enabled. Every node reads this
-- table (cached a few seconds, app.GatewaySwitchTTL).
CREATE TABLE gateway_switches (
    gateway     text PRIMARY KEY,
    enabled     boolean NOT NULL,
    reason      text NOT NULL DEFAULT '',
    changed_by  text NOT NULL DEFAULT '',
    changed_at  timestamptz NOT NULL
);
