package ports

import (
	"context"
	"time"
)

// LoginAttempts counts dashboard login attempts for every node at once
// (issue 12: login limits hold across nodes; PostgreSQL table
// login_attempts). Keys are "email:<address>" (failed logins of an
// account) and "ip:<address>" (every login from an address).
type LoginAttempts interface {
	// RecordLoginAttempt stores one attempt of key at at.
	RecordLoginAttempt(ctx context.Context, key string, at time.Time) error
	// LoginAttemptsSince returns how many attempts of key are stored at or
	// after since, and the oldest of them (zero when n is 0).
	LoginAttemptsSince(ctx context.Context, key string, since time.Time) (n int, oldest time.Time, err error)
	// ClearLoginAttempts forgets key's attempts (an account's failures after
	// a successful login).
	ClearLoginAttempts(ctx context.Context, key string) error
	// PruneLoginAttempts deletes every attempt before before (they no
	// longer count) and returns how many.
	PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error)
}
