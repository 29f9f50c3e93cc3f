package postgres

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// Idempotency errors.
var (
	// ErrIdempotencyMismatch: the key was used with a different request.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInProgress: the first request with this key is running.
	ErrIdempotencyInProgress = errors.New("a request with this idempotency key is in progress")
)

// StoredResponse is the first response given for an idempotency key.
type StoredResponse struct {
	Status int
	Body   []byte
}

// BeginIdempotent claims (clientID, key) for a request whose method, path
// and body hash to hash. It returns (nil, nil) when the caller should run
// the request and then call FinishIdempotent or AbandonIdempotent; the stored
// response when the same request already completed; ErrIdempotencyMismatch
// for a different request; ErrIdempotencyInProgress while the first runs.
// Keys older than ttl are forgotten.
func (db *DB) BeginIdempotent(ctx context.Context, clientID, key string, hash []byte, ttl time.Duration) (*StoredResponse, error) {
	for range 2 {
		res, err := db.Pool.Exec(ctx, `INSERT INTO idempotency_keys (client_id, key, request_hash, created_at)
			VALUES ($1, $2, $3, now()) ON CONFLICT (client_id, key) DO NOTHING`, clientID, key, hash)
		if err != nil {
			return nil, err
		}
		if res.RowsAffected() == 1 {
			return nil, nil
		}
		var (
			stored  []byte
			status  *int
			body    []byte
			created time.Time
		)
		err = db.Pool.QueryRow(ctx, `SELECT request_hash, status_code, response, created_at FROM idempotency_keys
			WHERE client_id = $1 AND key = $2`, clientID, key).Scan(&stored, &status, &body, &created)
		if err != nil {
			continue // deleted meanwhile: try to claim again
		}
		if time.Since(created) > ttl {
			_, _ = db.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND created_at = $3`, clientID, key, created)
			continue
		}
		if !bytes.Equal(stored, hash) {
			return nil, ErrIdempotencyMismatch
		}
		if status == nil {
			if time.Since(created) > idempotencyStale {
				// The first request's node died before finishing: let this
				// one run (its effects are guarded by their own keys, such
				// as order_id).
				_, _ = db.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND status_code IS NULL AND created_at = $3`, clientID, key, created)
				continue
			}
			return nil, ErrIdempotencyInProgress
		}
		plain, err := db.box.Open(body, idempotencyAAD(clientID, key))
		if err != nil {
			return nil, err
		}
		return &StoredResponse{Status: *status, Body: plain}, nil
	}
	return nil, ErrIdempotencyInProgress
}

// idempotencyStale is how long a claimed key may stay unfinished before a
// retry may take it over (no request runs that long).
const idempotencyStale = 5 * time.Minute

func idempotencyAAD(clientID, key string) []byte {
	return []byte("idempotency:" + clientID + ":" + key)
}

// FinishIdempotent stores the response of a claimed key, sealed: a stored
// response may hold a secret (a regenerated API key).
func (db *DB) FinishIdempotent(ctx context.Context, clientID, key string, status int, body []byte) error {
	_, err := db.Pool.Exec(ctx, `UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE client_id = $1 AND key = $2`,
		clientID, key, status, db.box.Seal(body, idempotencyAAD(clientID, key)))
	return err
}

// AbandonIdempotent releases a claimed key whose request failed on our side
// (5xx), so the merchant's retry runs again.
func (db *DB) AbandonIdempotent(ctx context.Context, clientID, key string) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND status_code IS NULL`, clientID, key)
	return err
}
