package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/ports/portstest"
)

// TestRateLimitAcrossNodes: two nodes on one database allow a client its
// limit between them, not twice it (each its share, limit ÷ live nodes,
// from the nodes' heartbeat, with no query per request); when one stops,
// the other allows the whole limit again.
func TestRateLimitAcrossNodes(t *testing.T) {
	t.Parallel()
	db, dsn := pgtest.New(t)
	fast := func(c *config) { c.NodeHeartbeat = 100 * time.Millisecond }
	a, _ := startServerOn(t, db, dsn, fast)
	b, stopB := startServerOn(t, db, dsn, fast)
	portstest.WaitFor(t, "both nodes counting two", func() bool { return a.heartbeat.Live() == 2 && b.heartbeat.Live() == 2 })

	const limit = 10
	onA := v1NewClient(t, a, "spread", limit)
	onB := *onA
	onB.base = b.base
	allowed := 0
	for i := range 2 * limit {
		c := onA
		if i%2 == 1 {
			c = &onB
		}
		r := c.get(t, "/api/v1/client/profile")
		switch r.Status {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d: HTTP %d\n%s", i+1, r.Status, r.Raw)
		}
		if got := r.Header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
			t.Fatalf("request %d: X-RateLimit-Limit %q, want the client's %d", i+1, got, limit)
		}
	}
	if allowed != limit {
		t.Fatalf("two nodes allowed %d of %d requests, want the limit %d", allowed, 2*limit, limit)
	}

	// B stops (it deletes its row): A alone allows the whole limit.
	stopB()
	portstest.WaitFor(t, "node A counting itself alone", func() bool { return a.heartbeat.Live() == 1 })
	alone := v1NewClient(t, a, "alone", limit)
	allowed = 0
	for range 2 * limit {
		if r := alone.get(t, "/api/v1/client/profile"); r.Status == http.StatusOK {
			allowed++
		}
	}
	if allowed != limit {
		t.Fatalf("one node allowed %d of %d requests, want the limit %d", allowed, 2*limit, limit)
	}
}
