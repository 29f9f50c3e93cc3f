package portstest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Idempotency is an in-memory store of first responses per scope (a
// client) and idempotency key, with the semantics of the PostgreSQL
// adapter's that both edges use: Begin claims a key, Finish stores the
// response, Abandon frees the key for a retry. The REST and GraphQL edges
// each see it through their own interface (a thin wrapper in their tests,
// as cmd/paycore wraps the PostgreSQL store). Entries never expire: the ttl
// is ignored. Safe for concurrent use.
type Idempotency struct {
	mismatch, inProgress error

	mu   sync.Mutex
	rows map[string]*idemRow // scope NUL key
}

// Stored is a first response kept for replay.
type Stored struct {
	Status int
	Body   []byte
}

type idemRow struct {
	hash []byte
	done bool
	resp Stored
}

// NewIdempotency returns an empty store whose Begin answers mismatch for a
// key reused with another request and inProgress while the first request
// with the key runs (each edge has its own errors).
func NewIdempotency(mismatch, inProgress error) *Idempotency {
	return &Idempotency{mismatch: mismatch, inProgress: inProgress, rows: map[string]*idemRow{}}
}

func idemKey(scope, key string) string { return scope + "\x00" + key }

// Begin claims key for a request hashing to hash: (nil, nil) to run it; the
// stored response to replay; the mismatch or in-progress error otherwise.
func (s *Idempotency) Begin(_ context.Context, scope, key string, hash []byte, _ time.Duration) (*Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[idemKey(scope, key)]
	switch {
	case !ok:
		s.rows[idemKey(scope, key)] = &idemRow{hash: bytes.Clone(hash)}
		return nil, nil
	case !bytes.Equal(r.hash, hash):
		return nil, s.mismatch
	case !r.done:
		return nil, s.inProgress
	}
	return &Stored{Status: r.resp.Status, Body: bytes.Clone(r.resp.Body)}, nil
}

// Finish stores the response of the request that claimed key.
func (s *Idempotency) Finish(_ context.Context, scope, key string, status int, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[idemKey(scope, key)]
	if !ok {
		return fmt.Errorf("portstest: finish: no idempotency key %q of %q", key, scope)
	}
	r.done, r.resp = true, Stored{Status: status, Body: bytes.Clone(body)}
	return nil
}

// Abandon frees key: the request that claimed it stored nothing.
func (s *Idempotency) Abandon(_ context.Context, scope, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.rows, idemKey(scope, key))
	return nil
}

// Held reports whether key of scope is claimed or stored.
func (s *Idempotency) Held(scope, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.rows[idemKey(scope, key)]
	return ok
}

// Keys returns every key held, as "scope/key", sorted.
func (s *Idempotency) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Sorted(maps.Keys(s.rows))
	for i, k := range out {
		out[i] = strings.Replace(k, "\x00", "/", 1)
	}
	return out
}

// Unfinish drops the response stored for key, as if the request that
// claimed it were still running; false if key is not held.
func (s *Idempotency) Unfinish(scope, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[idemKey(scope, key)]
	if ok {
		r.done, r.resp = false, Stored{}
	}
	return ok
}
