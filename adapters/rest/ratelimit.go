package rest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/paycore/paycore/ports"
)

// RateLimiter keeps one token bucket (golang.org/x/time/rate) per client: the
// client's requests per minute refill it evenly and it holds a minute's worth,
// so limit+1 requests in a burst get one 429. The per-client limit itself
// lives in PostgreSQL (clients.rate_limit_per_minute) and reaches here with
// the API key, so every node applies the same limit.
//
// The limit holds across nodes without a query per request: each node's
// bucket holds its share of the limit, NodeShare(limit, live nodes), the
// live node count coming from the nodes' heartbeat (SetNodes; see
// docs/merchant-api.md §3 and docs/scaling.md for what a merchant whose
// traffic reaches only some nodes gets).
type RateLimiter struct {
	clock ports.Clock
	nodes atomic.Int64 // live nodes sharing each client's limit (≥ 1)
	mu    sync.Mutex
	byID  map[string]*rate.Limiter
}

// NewRateLimiter returns an empty RateLimiter on clock c, alone until
// SetNodes says otherwise. One instance serves REST and GraphQL alike
// (APIConfig.RateLimiter), so a client has one budget across both edges.
func NewRateLimiter(c ports.Clock) *RateLimiter {
	l := &RateLimiter{clock: c, byID: map[string]*rate.Limiter{}}
	l.nodes.Store(1)
	return l
}

// SetNodes sets how many nodes share every client's limit (the live nodes
// of the heartbeat, this one included); n < 1 counts as 1. Buckets take
// their new size at their next request, keeping the tokens they hold (up
// to the new size).
func (l *RateLimiter) SetNodes(n int) {
	l.nodes.Store(int64(max(1, n)))
}

// Nodes returns how many nodes share every client's limit.
func (l *RateLimiter) Nodes() int { return int(l.nodes.Load()) }

// NodeShare is the one rule dividing a client's limit between nodes: each
// of nodes live nodes allows perMinute ÷ nodes requests per minute (rounded
// down, so the nodes together never allow more than the limit), and at
// least 1.
func NodeShare(perMinute, nodes int) int {
	return max(1, perMinute/max(1, nodes))
}

// Allow takes a token for clientID at perMinute (the client's limit, for
// all nodes together) and returns the headers' figures: remaining tokens,
// seconds until the bucket is full again, and on refusal seconds until the
// next token. With several nodes this node's bucket holds its NodeShare;
// remaining is the client's estimate over all nodes (this node's tokens ×
// nodes, at most perMinute), as if its requests were spread evenly.
func (l *RateLimiter) Allow(clientID string, perMinute int) (ok bool, remaining int, reset, retryAfter int) {
	now := l.clock.Now()
	nodes := l.Nodes()
	share := NodeShare(perMinute, nodes)
	every := rate.Limit(float64(share) / 60)
	l.mu.Lock()
	lim := l.byID[clientID]
	switch {
	case lim == nil:
		lim = rate.NewLimiter(every, share)
		l.byID[clientID] = lim
	case lim.Burst() != share:
		lim.SetLimitAt(now, every)
		lim.SetBurstAt(now, share)
	}
	l.mu.Unlock()
	ok = lim.AllowN(now, 1)
	tokens := min(lim.TokensAt(now), float64(share))
	remaining = min(perMinute, int(math.Max(0, math.Floor(tokens)))*nodes)
	reset = int(math.Ceil((float64(share) - tokens) / float64(every)))
	if !ok {
		retryAfter = int(math.Max(1, math.Ceil((1-tokens)/float64(every))))
	}
	return ok, remaining, reset, retryAfter
}

// rateLimit applies the client's limit, one token bucket per client
// (docs/merchant-api.md §3): 429 {"success":false,"message":"Too many
// requests","code":429} with Retry-After; every answer carries
// X-RateLimit-Limit (per minute), X-RateLimit-Remaining and X-RateLimit-Reset
// (unix seconds when the bucket is full again).
func (a *API) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr := principal(r)
		perMinute := pr.RatePerMinute
		if perMinute <= 0 {
			perMinute = a.cfg.DefaultRatePerMinute
		}
		allowed, remaining, reset, retry := a.rate.Allow(pr.ClientID, perMinute)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(perMinute))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(a.clock.Now().Add(time.Duration(reset)*time.Second).Unix(), 10))
		if !allowed {
			h.Set("Retry-After", strconv.Itoa(retry))
			fail(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		next.ServeHTTP(w, r)
	})
}
