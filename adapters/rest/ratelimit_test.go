package rest_test

import (
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/ports/portstest"
)

// allowed counts the requests one node allows in a burst of tries.
func allowed(l *rest.RateLimiter, client string, perMinute, tries int) int {
	n := 0
	for range tries {
		if ok, _, _, _ := l.Allow(client, perMinute); ok {
			n++
		}
	}
	return n
}

// TestRateLimitSharedByNodes: with n live nodes each node allows its share
// of a client's limit, so the nodes together allow the limit, not n times
// it; the share refills over the minute; a share is never below 1.
func TestRateLimitSharedByNodes(t *testing.T) {
	t.Parallel()
	const limit = 120
	for _, nodes := range []int{1, 2, 3} {
		clock := portstest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
		cluster := make([]*rest.RateLimiter, nodes)
		for i := range cluster {
			cluster[i] = rest.NewRateLimiter(clock)
			cluster[i].SetNodes(nodes)
		}
		total := 0
		for _, l := range cluster {
			total += allowed(l, "cli_a", limit, 2*limit)
		}
		if total != limit {
			t.Errorf("%d nodes allowed %d requests in a burst, want the limit %d", nodes, total, limit)
		}
		// A minute later every node's share is full again.
		clock.Advance(time.Minute)
		if got, want := allowed(cluster[0], "cli_a", limit, 2*limit), limit/nodes; got != want {
			t.Errorf("%d nodes: a node allowed %d after a minute, want %d", nodes, got, want)
		}
		// Another client has its own budget.
		if got := allowed(cluster[0], "cli_b", limit, 1); got != 1 {
			t.Errorf("%d nodes: another client refused", nodes)
		}
	}

	// Shares round down, never below 1.
	for _, c := range []struct{ limit, nodes, want int }{
		{120, 1, 120}, {120, 2, 60}, {120, 3, 40}, {100, 3, 33}, {2, 3, 1}, {1, 5, 1}, {60, 0, 60},
	} {
		if got := rest.NodeShare(c.limit, c.nodes); got != c.want {
			t.Errorf("NodeShare(%d, %d) = %d, want %d", c.limit, c.nodes, got, c.want)
		}
	}
}

// TestRateLimitFollowsNodeCount: a node joining shrinks each bucket at its
// next request (keeping at most the new share of tokens); one leaving
// grows it; the headers' figures speak of the whole client's budget.
func TestRateLimitFollowsNodeCount(t *testing.T) {
	t.Parallel()
	clock := portstest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	l := rest.NewRateLimiter(clock)
	ok, remaining, reset, _ := l.Allow("cli_a", 60)
	if !ok || remaining != 59 || reset != 1 {
		t.Fatalf("alone: ok %v remaining %d reset %d, want true 59 1", ok, remaining, reset)
	}
	l.SetNodes(2) // a second node came up: this one holds 30 now
	ok, remaining, _, _ = l.Allow("cli_a", 60)
	if !ok || remaining != 58 { // 29 tokens left here, ×2 nodes
		t.Fatalf("two nodes: ok %v remaining %d, want true 58", ok, remaining)
	}
	if got := allowed(l, "cli_a", 60, 100); got != 29 {
		t.Fatalf("two nodes: %d more allowed, want 29", got)
	}
	ok, remaining, _, retry := l.Allow("cli_a", 60)
	if ok || remaining != 0 || retry != 2 { // 30 per minute: a token every 2 s
		t.Fatalf("two nodes, empty: ok %v remaining %d retry %d, want false 0 2", ok, remaining, retry)
	}
	l.SetNodes(1) // the other node left: from its next request the bucket refills at the whole limit
	if ok, _, _, retry := l.Allow("cli_a", 60); ok || retry != 1 {
		t.Fatalf("alone again, empty: ok %v retry %d, want false 1", ok, retry)
	}
	clock.Advance(10 * time.Second)
	if got := allowed(l, "cli_a", 60, 100); got != 10 {
		t.Fatalf("alone again: %d allowed after 10 s, want 10", got)
	}
}
