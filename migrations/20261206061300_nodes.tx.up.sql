-- The live paycore nodes (issue 13): each node upserts its row every few
-- seconds (adapters/postgres Heartbeat) and counts the rows seen recently,
-- so a client's rate limit is divided between the nodes without a query per
-- request. One row per node, written by that node only: no hot row.
CREATE TABLE nodes (
    id         text PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);
