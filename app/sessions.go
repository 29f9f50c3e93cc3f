package app

import (
	"context"
	"errors"
	"fmt"
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

	users ports.UserStore // nil: user principals are not re-checked

	cache *ttlCache[string, sessionCheck] // by "user:", "key:" or "client:" and the ID
}

// ErrUserDisabled refuses a dashboard user's principal once the user is
// disabled or gone.
var ErrUserDisabled = &AuthError{"user disabled"}

// WithUsers makes Sessions re-check dashboard users (issue 12): a
// principal with a UserID is refused with ErrUserDisabled once its user is
// disabled, within the TTL. It returns s.
func (s *Sessions) WithUsers(users ports.UserStore) *Sessions {
	s.users = users
	return s
}

type sessionCheck struct {
	err  error // nil: valid
	rate int   // the client's requests per minute (client checks)
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
	return &Sessions{store: store, clock: clock, cache: newTTLCache[string, sessionCheck](ttl)}
}

// Check returns nil while pr may still act. A principal authenticated by an
// API key is refused with ErrKeyRevoked once the key is revoked (its grace
// period over) or gone; any client principal with ErrClientSuspended once
// its client is suspended or gone. An admin principal (no client) is not
// checked here: admin tokens are short-lived. Store errors are returned
// as they are (not cached, not a refusal).
func (s *Sessions) Check(ctx context.Context, pr Principal) error {
	_, err := s.Verify(ctx, pr)
	return err
}

// Verify is Check returning pr completed: a bearer token's principal gets
// its client's request limit (RatePerMinute), which only the store knows.
func (s *Sessions) Verify(ctx context.Context, pr Principal) (Principal, error) {
	if pr.UserID != "" {
		if s.users == nil {
			return pr, ErrUserDisabled
		}
		c := s.cached("user:"+pr.UserID, func() sessionCheck {
			u, err := s.users.UserByID(ctx, pr.UserID)
			switch {
			case errors.Is(err, domain.ErrNotFound):
				return sessionCheck{err: ErrUserDisabled}
			case err != nil:
				return sessionCheck{err: fmt.Errorf("check user: %w", err)}
			case u.Disabled || u.Role != pr.Role || u.ClientID != pr.ClientID:
				return sessionCheck{err: ErrUserDisabled}
			}
			return sessionCheck{}
		})
		if c.err != nil {
			return pr, c.err
		}
	}
	if pr.ClientID == "" {
		return pr, nil
	}
	if pr.APIKey != "" {
		c := s.cached("key:"+pr.APIKey, func() sessionCheck {
			active, revokedAt, err := s.store.KeyValid(ctx, pr.APIKey)
			switch {
			case errors.Is(err, domain.ErrNotFound):
				return sessionCheck{err: ErrKeyRevoked}
			case err != nil:
				return sessionCheck{err: fmt.Errorf("check api key: %w", err)}
			case revokedAt != nil && !s.clock.Now().Before(*revokedAt):
				return sessionCheck{err: ErrKeyRevoked}
			case !active:
				return sessionCheck{err: ErrClientSuspended}
			}
			return sessionCheck{}
		})
		return pr, c.err
	}
	c := s.cached("client:"+pr.ClientID, func() sessionCheck {
		active, rate, err := s.store.ClientActive(ctx, pr.ClientID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			return sessionCheck{err: ErrClientSuspended}
		case err != nil:
			return sessionCheck{err: fmt.Errorf("check client: %w", err)}
		case !active:
			return sessionCheck{err: ErrClientSuspended}
		}
		return sessionCheck{rate: rate}
	})
	if c.err == nil && pr.RatePerMinute == 0 {
		pr.RatePerMinute = c.rate
	}
	return pr, c.err
}

// cached answers from the cache while the entry is younger than the TTL,
// else runs check and caches its answer (refusals and successes, not store
// errors).
func (s *Sessions) cached(key string, check func() sessionCheck) sessionCheck {
	now := s.clock.Now()
	if c, ok := s.cache.get(key, now); ok {
		return c
	}
	c := check()
	var ae *AuthError
	if c.err != nil && !errors.As(c.err, &ae) {
		return c
	}
	s.cache.put(key, c, now)
	return c
}
