package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// DefaultSessionCheckTTL is how long Sessions trusts the answer of one
// check: a revoked key or a suspended client is refused at most this long
// after the change.
const DefaultSessionCheckTTL = 5 * time.Second

// ErrMerchantSuspended refuses a suspended client's payment to its customer
// (hosted page, startPayment): errors.Is domain.ErrForbidden.
var ErrMerchantSuspended = fmt.Errorf("%w: the merchant cannot take payments", domain.ErrForbidden)

// Refusals of Sessions.Check (errors.Is domain.ErrUnauthenticated).
var (
	ErrKeyRevoked      = &AuthError{"API key revoked"}
	ErrClientSuspended = &AuthError{"client suspended"}
)

// Sessions re-checks principals that were authenticated earlier and still
// act: a websocket opened with HMAC headers or a bearer token, a bearer
// token (which carries no client status). A principal stays valid while its
// API key (if it came with one) is not revoked and its client is active.
// Answers are cached per key or client for the TTL, by the Clock.
type Sessions struct {
	store ports.CredentialStore
	clock ports.Clock
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]sessionCheck
}

type sessionCheck struct {
	err error // nil: valid
	at  time.Time
}

// NewSessions wires Sessions; ttl 0 → DefaultSessionCheckTTL. It panics on
// nil dependencies.
func NewSessions(store ports.CredentialStore, clock ports.Clock, ttl time.Duration) *Sessions {
	if store == nil || clock == nil {
		panic("app.NewSessions: nil dependency")
	}
	if ttl <= 0 {
		ttl = DefaultSessionCheckTTL
	}
	return &Sessions{store: store, clock: clock, ttl: ttl, cache: map[string]sessionCheck{}}
}

// Check returns nil while pr may still act. A principal authenticated by an
// API key is refused with ErrKeyRevoked once the key is revoked (its grace
// period over) or gone; any client principal with ErrClientSuspended once
// its client is suspended or gone. An admin principal (no client) is not
// checked here: admin tokens are short-lived. Store errors are returned
// as they are (not cached, not a refusal).
func (s *Sessions) Check(ctx context.Context, pr Principal) error {
	if pr.ClientID == "" {
		return nil
	}
	if pr.APIKey != "" {
		return s.cached(ctx, "key:"+pr.APIKey, func() error {
			active, revokedAt, err := s.store.KeyValid(ctx, pr.APIKey)
			switch {
			case errors.Is(err, domain.ErrNotFound):
				return ErrKeyRevoked
			case err != nil:
				return fmt.Errorf("check api key: %w", err)
			case revokedAt != nil && !s.clock.Now().Before(*revokedAt):
				return ErrKeyRevoked
			case !active:
				return ErrClientSuspended
			}
			return nil
		})
	}
	return s.cached(ctx, "client:"+pr.ClientID, func() error {
		active, err := s.store.ClientActive(ctx, pr.ClientID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			return ErrClientSuspended
		case err != nil:
			return fmt.Errorf("check client: %w", err)
		case !active:
			return ErrClientSuspended
		}
		return nil
	})
}

// cached answers from the cache while the entry is younger than the TTL,
// else runs check and caches its answer (refusals and successes, not store
// errors).
func (s *Sessions) cached(_ context.Context, key string, check func() error) error {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.ttl && !now.Before(c.at) {
		return c.err
	}
	err := check()
	var ae *AuthError
	if err != nil && !errors.As(err, &ae) {
		return err
	}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		for k, v := range s.cache {
			if now.Sub(v.at) >= s.ttl {
				delete(s.cache, k)
			}
		}
	}
	s.cache[key] = sessionCheck{err: err, at: now}
	s.mu.Unlock()
	return err
}
