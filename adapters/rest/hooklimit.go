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

// DefaultGatewayHookRatePerMinute is APIConfig.GatewayHookRatePerMinute's
// default: calls to POST /api/v1/webhook per source IP per minute.
const DefaultGatewayHookRatePerMinute = 300

// maxTrackedSources bounds the per-source buckets kept between sweeps.
const maxTrackedSources = 50_000

// sourceLimiter keeps one token bucket (golang.org/x/time/rate) per source
// IP for the unauthenticated gateway webhook: perMinute tokens a minute,
// holding a minute's worth. Buckets idle long enough to be full again are
// dropped, so a flood from many addresses cannot grow the map without
// bound.
type sourceLimiter struct {
	clock     ports.Clock
	perMinute int
	mu        sync.Mutex
	bySource  map[string]*sourceBucket
	swept     time.Time
}

type sourceBucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newSourceLimiter(c ports.Clock, perMinute int) *sourceLimiter {
	return &sourceLimiter{clock: c, perMinute: perMinute, bySource: map[string]*sourceBucket{}}
}

// allow takes a token for source; on refusal it also returns the seconds
// until the next token.
func (l *sourceLimiter) allow(source string) (bool, int) {
	now := l.clock.Now()
	every := rate.Limit(float64(l.perMinute) / 60)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.bySource) >= maxTrackedSources {
		for k, b := range l.bySource {
			if now.Sub(b.last) > time.Minute { // refilled: same as a new bucket
				delete(l.bySource, k)
			}
		}
		l.swept = now
	}
	b := l.bySource[source]
	if b == nil {
		if len(l.bySource) >= maxTrackedSources {
			// Still full of busy sources: refuse newcomers rather than grow.
			return false, 60
		}
		b = &sourceBucket{lim: rate.NewLimiter(every, l.perMinute)}
		l.bySource[source] = b
	}
	b.last = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	tokens := b.lim.TokensAt(now)
	return false, int(math.Max(1, math.Ceil((1-tokens)/float64(every))))
}

// limitHookSources answers 429 with Retry-After when a source IP calls POST
// /api/v1/webhook more often than its bucket allows; the call is counted
// (verdict rate_limited) and not read.
func (a *API) limitHookSources(next http.HandlerFunc) http.HandlerFunc {
	if a.hookRate == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, retry := a.hookRate.allow(a.clientIP(r)); !ok {
			a.app.GatewayHooks.Throttled()
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			fail(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		next(w, r)
	}
}
