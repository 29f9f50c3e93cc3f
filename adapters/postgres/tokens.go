package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
)

// TokenStore keeps one gateway's access token, of any JSON-encodable type T,
// in gateway_tokens, sealed with the DB's secret box. Every node sees the
// same token; Update serialises refreshes across nodes with a transaction-
// scoped advisory lock. It satisfies bkash.TokenStore for T = bkash.Token.
type TokenStore[T any] struct {
	db      *DB
	gateway string
}

// NewTokenStore returns the store for gateway ("bkash").
func NewTokenStore[T any](db *DB, gateway string) *TokenStore[T] {
	return &TokenStore[T]{db: db, gateway: gateway}
}

func (s *TokenStore[T]) aad() []byte { return []byte("gateway-token:" + s.gateway) }

func (s *TokenStore[T]) decode(sealed []byte) (T, error) {
	var tok T
	plain, err := s.db.box.Open(sealed, s.aad())
	if err != nil {
		return tok, fmt.Errorf("%s token: %w", s.gateway, err)
	}
	if err := json.Unmarshal(plain, &tok); err != nil {
		return tok, fmt.Errorf("%s token: %w", s.gateway, err)
	}
	return tok, nil
}

// Load returns the stored token; found is false when there is none.
func (s *TokenStore[T]) Load(ctx context.Context) (T, bool, error) {
	var (
		zero   T
		sealed []byte
	)
	err := s.db.Pool.QueryRow(ctx, "SELECT token_enc FROM gateway_tokens WHERE gateway = $1", s.gateway).Scan(&sealed)
	if err == pgx.ErrNoRows {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	tok, err := s.decode(sealed)
	return tok, err == nil, err
}

// Update holds an exclusive lock shared by every node (pg_advisory_xact_lock
// on the gateway's name) while fn runs, then stores what fn returns. fn gets
// the token as stored at that moment, so a node that waited sees the other
// node's refresh and can skip its own.
func (s *TokenStore[T]) Update(ctx context.Context, fn func(ctx context.Context, cur T, found bool) (T, error)) (T, error) {
	var out T
	h := fnv.New64a()
	h.Write([]byte("gateway_tokens:" + s.gateway))
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
			return err
		}
		var (
			cur    T
			found  bool
			sealed []byte
		)
		err := tx.QueryRow(ctx, "SELECT token_enc FROM gateway_tokens WHERE gateway = $1", s.gateway).Scan(&sealed)
		switch {
		case err == pgx.ErrNoRows:
		case err != nil:
			return err
		default:
			if cur, err = s.decode(sealed); err != nil {
				return err
			}
			found = true
		}
		next, err := fn(ctx, cur, found)
		if err != nil {
			return err
		}
		plain, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO gateway_tokens (gateway, token_enc, updated_at) VALUES ($1, $2, now())
			ON CONFLICT (gateway) DO UPDATE SET token_enc = EXCLUDED.token_enc, updated_at = now()`,
			s.gateway, s.db.box.Seal(plain, s.aad())); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}
