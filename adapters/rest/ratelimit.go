package rest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/paycore/paycore/ports"
)

// RateLimiter keeps one token bucket (golang.org/x/time/rate) per client: the
// client's requests per minute refill it evenly and it holds a minute's worth,
// so limit+1 requests in a burst get one 429. The per-client limit itself
// lives in PostgreSQL (clients.rate_limit_per_minute) and reaches here with
// the API key, so every node applies the same limit.
type RateLimiter struct {
	clock ports.Clock
	mu    sync.Mutex
	byID  map[string]*rate.Limiter
}

// NewRateLimiter returns an empty RateLimiter on clock c. One instance
// serves REST and GraphQL alike (APIConfig.RateLimiter), so a client has one
// budget across both edges.
func NewRateLimiter(c ports.Clock) *RateLimiter {
	return &RateLimiter{clock: c, byID: map[string]*rate.Limiter{}}
}

// Allow takes a token for clientID at perMinute and returns the headers'
// figures: remaining tokens, seconds until the bucket is full again, and on
// refusal seconds until the next token.
func (l *RateLimiter) Allow(clientID string, perMinute int) (ok bool, remaining int, reset, retryAfter int) {
	now := l.clock.Now()
	every := rate.Limit(float64(perMinute) / 60)
	l.mu.Lock()
	lim := l.byID[clientID]
	if lim == nil || lim.Burst() != perMinute {
		lim = rate.NewLimiter(every, perMinute)
		l.byID[clientID] = lim
	}
	l.mu.Unlock()
	ok = lim.AllowN(now, 1)
	tokens := lim.TokensAt(now)
	remaining = int(math.Max(0, math.Floor(tokens)))
	reset = int(math.Ceil((float64(perMinute) - tokens) / float64(every)))
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
