package portstest

import (
	"context"
	"slices"
	"time"

	"github.com/paycore/paycore/ports"
)

var _ ports.LoginAttempts = (*Store)(nil)

type loginAttempt struct {
	key string
	at  time.Time
}

// RecordLoginAttempt implements ports.LoginAttempts.
func (s *Store) RecordLoginAttempt(ctx context.Context, key string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.read(func(d *data) { d.logins = append(d.logins, loginAttempt{key: key, at: at}) })
	return nil
}

// LoginAttemptsSince implements ports.LoginAttempts.
func (s *Store) LoginAttemptsSince(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return 0, time.Time{}, err
	}
	var (
		n      int
		oldest time.Time
	)
	s.read(func(d *data) {
		for _, a := range d.logins {
			if a.key != key || a.at.Before(since) {
				continue
			}
			if n == 0 || a.at.Before(oldest) {
				oldest = a.at
			}
			n++
		}
	})
	return n, oldest, nil
}

// ClearLoginAttempts implements ports.LoginAttempts.
func (s *Store) ClearLoginAttempts(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.read(func(d *data) {
		d.logins = slices.DeleteFunc(d.logins, func(a loginAttempt) bool { return a.key == key })
	})
	return nil
}

// PruneLoginAttempts implements ports.LoginAttempts.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	s.read(func(d *data) {
		d.logins = slices.DeleteFunc(d.logins, func(a loginAttempt) bool {
			if a.at.Before(before) {
				n++
				return true
			}
			return false
		})
	})
	return n, nil
}
