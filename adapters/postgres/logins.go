package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/paycore/paycore/ports"
)

// Dashboard login attempts (table login_attempts), shared by every node.

var _ ports.LoginAttempts = (*DB)(nil)

// RecordLoginAttempt implements ports.LoginAttempts.
func (db *DB) RecordLoginAttempt(ctx context.Context, key string, at time.Time) error {
	_, err := db.Bun.NewRaw(`INSERT INTO login_attempts (key, at) VALUES (?, ?)`, key, at).Exec(ctx)
	return mapErr(err)
}

// LoginAttemptsSince implements ports.LoginAttempts (index
// login_attempts_key_at_idx).
func (db *DB) LoginAttemptsSince(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var (
		n      int
		oldest sql.NullTime
	)
	err := db.Bun.QueryRowContext(ctx, `SELECT count(*), min(at) FROM login_attempts WHERE key = ? AND at >= ?`, key, since).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, mapErr(err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, oldest.Time.UTC(), nil
}

// ClearLoginAttempts implements ports.LoginAttempts.
func (db *DB) ClearLoginAttempts(ctx context.Context, key string) error {
	_, err := db.Bun.NewRaw(`DELETE FROM login_attempts WHERE key = ?`, key).Exec(ctx)
	return mapErr(err)
}

// PruneLoginAttempts implements ports.LoginAttempts.
func (db *DB) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.Bun.NewRaw(`DELETE FROM login_attempts WHERE at < ?`, before).Exec(ctx)
	if err != nil {
		return 0, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
