package app

import (
	"context"
	"sync"
	"time"

	"github.com/paycore/paycore/ports"
)

// storeLimiter counts login attempts in a store every node shares
// (ports.LoginAttempts, PostgreSQL), so the limits per account and per
// address hold however many nodes a client spreads its attempts over. The
// window slides: an attempt counts for LoginWindow after it was made; a
// refused attempt does not count (as in memory). Counting and recording
// are two statements, so attempts in flight at once on several nodes may
// pass a limit by their number (each failed one costs a bcrypt check, and
// the next attempt after them is refused). Attempts older than LoginWindow
// are deleted by the logins themselves, at most once per pruneEvery per
// node.
type storeLimiter struct {
	store ports.LoginAttempts
	clock ports.Clock

	mu       sync.Mutex
	prunedAt time.Time
}

// pruneEvery is how often a node deletes attempts that no longer count.
const pruneEvery = time.Minute

func (s *storeLimiter) limited(ctx context.Context, key string, limit int, count bool) (time.Duration, error) {
	now := s.clock.Now()
	s.prune(ctx, now)
	// An attempt LoginWindow old no longer counts (as in memory); stores
	// keep microseconds.
	n, oldest, err := s.store.LoginAttemptsSince(ctx, key, now.Add(-LoginWindow+time.Microsecond))
	if err != nil {
		return 0, err
	}
	if n >= limit {
		return max(oldest.Add(LoginWindow).Sub(now), time.Second), nil
	}
	if count {
		if err := s.store.RecordLoginAttempt(ctx, key, now); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// fail records a failed attempt; a store error is not the caller's (the
// answer is a failed login either way), and the next check reads again.
func (s *storeLimiter) fail(ctx context.Context, key string) {
	_ = s.store.RecordLoginAttempt(context.WithoutCancel(ctx), key, s.clock.Now())
}

func (s *storeLimiter) clear(ctx context.Context, key string) {
	_ = s.store.ClearLoginAttempts(context.WithoutCancel(ctx), key)
}

// prune deletes attempts older than LoginWindow, once per pruneEvery.
func (s *storeLimiter) prune(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.prunedAt) >= pruneEvery
	if due {
		s.prunedAt = now
	}
	s.mu.Unlock()
	if due {
		_, _ = s.store.PruneLoginAttempts(ctx, now.Add(-LoginWindow))
	}
}
