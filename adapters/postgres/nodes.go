package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"
)

// Heartbeat defaults: a node beats every DefaultHeartbeatEvery and counts as
// live for NodeTTLBeats beats after its last one.
const (
	DefaultHeartbeatEvery = 5 * time.Second
	NodeTTLBeats          = 3
	// nodeForgetAfter is how long a dead node's row is kept before a beat
	// deletes it.
	nodeForgetAfter = 24 * time.Hour
)

// Heartbeat registers this node in the nodes table and counts the live ones
// (docs/scaling.md): every interval one statement upserts the node's row
// (stamped with the database's clock, so nodes' clocks need not agree) and
// counts the nodes seen within the TTL. Nothing on the request path reads
// the table: Live and the OnLive callback give the last count.
type Heartbeat struct {
	db     *DB
	id     string
	every  time.Duration
	ttl    time.Duration
	log    *slog.Logger
	onLive func(int)
	live   atomic.Int64
}

// NewHeartbeat returns the heartbeat of node id (NewNodeID when empty)
// beating every interval (0 → DefaultHeartbeatEvery); a node is live for
// NodeTTLBeats intervals after its last beat. onLive, if not nil, is called
// with the live count (≥ 1, this node included) after every beat.
func NewHeartbeat(db *DB, id string, every time.Duration, onLive func(int), log *slog.Logger) *Heartbeat {
	if id == "" {
		id = NewNodeID()
	}
	if every <= 0 {
		every = DefaultHeartbeatEvery
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Heartbeat{db: db, id: id, every: every, ttl: NodeTTLBeats * every, log: log, onLive: onLive}
	h.live.Store(1)
	return h
}

// NewNodeID returns a node id: host name, process id and a random suffix.
func NewNodeID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// ID returns the node's id.
func (h *Heartbeat) ID() string { return h.id }

// Live returns the live nodes at the last beat (1 before the first).
func (h *Heartbeat) Live() int { return int(h.live.Load()) }

// Beat upserts the node's row and returns the live nodes, this one
// included: one statement, one round trip. A failed beat keeps the last
// count.
func (h *Heartbeat) Beat(ctx context.Context) (int, error) {
	// The CTEs run whatever the outer query reads; the outer query sees the
	// table as it was before them, so this node is counted by the 1 +.
	var n int
	err := h.db.Pool.QueryRow(ctx, `WITH beat AS (
	    INSERT INTO nodes (id) VALUES ($1)
	    ON CONFLICT (id) DO UPDATE SET last_seen = now()
	), forget AS (
	    DELETE FROM nodes WHERE last_seen < now() - make_interval(secs => $3) AND id <> $1
	)
	SELECT 1 + count(*) FROM nodes WHERE id <> $1 AND last_seen > now() - make_interval(secs => $2)`,
		h.id, h.ttl.Seconds(), nodeForgetAfter.Seconds()).Scan(&n)
	if err != nil {
		return h.Live(), fmt.Errorf("postgres: node heartbeat: %w", err)
	}
	h.live.Store(int64(n))
	if h.onLive != nil {
		h.onLive(n)
	}
	return n, nil
}

// Run beats now and every interval until ctx ends, then removes the node's
// row so the others count it gone at their next beat.
func (h *Heartbeat) Run(ctx context.Context) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		if _, err := h.Beat(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("node heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			h.leave()
			return
		case <-t.C:
		}
	}
}

// leave deletes the node's row (best effort: otherwise it expires).
func (h *Heartbeat) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := h.db.Pool.Exec(ctx, `DELETE FROM nodes WHERE id = $1`, h.id); err != nil {
		h.log.Warn("node heartbeat: leaving", "err", err)
	}
}
