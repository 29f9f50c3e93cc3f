package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
)

// TestHeartbeatCountsLiveNodes: two nodes on one database count each other
// (one statement per beat), a node silent past the TTL is not counted, one
// silent for a day is forgotten, and a node that stops leaves at once.
func TestHeartbeatCountsLiveNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	var seen []int
	a := postgres.NewHeartbeat(db, "node-a", time.Second, func(n int) { seen = append(seen, n) }, nil)
	b := postgres.NewHeartbeat(db, "node-b", time.Second, nil, nil)
	if a.Live() != 1 {
		t.Fatalf("before a beat: %d live, want 1", a.Live())
	}
	beat := func(h *postgres.Heartbeat, want int) {
		t.Helper()
		n, err := h.Beat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != want || h.Live() != want {
			t.Fatalf("%s: %d live (Live %d), want %d", h.ID(), n, h.Live(), want)
		}
	}
	beat(a, 1)
	beat(b, 2)
	beat(a, 2)
	if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
		t.Fatalf("OnLive saw %v, want [1 2]", seen)
	}

	// A node last seen past the TTL (3 beats) is not live; one past a day
	// is deleted.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO nodes (id, last_seen) VALUES
	    ('node-stale', now() - interval '4 seconds'), ('node-dead', now() - interval '25 hours')`); err != nil {
		t.Fatal(err)
	}
	beat(a, 2)
	var rows int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM nodes`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Fatalf("%d rows after the beat, want 3 (node-dead forgotten)", rows)
	}

	// A node that stops deletes its row: the other counts it gone at once.
	runCtx, stop := context.WithCancel(ctx)
	c := postgres.NewHeartbeat(db, "node-c", time.Hour, nil, nil)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(runCtx) }()
	for deadline := time.Now().Add(5 * time.Second); ; {
		n, err := a.Beat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node-c never counted: %d live", n)
		}
	}
	stop()
	<-done
	beat(a, 2)
}
