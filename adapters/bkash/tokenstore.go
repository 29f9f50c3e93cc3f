package bkash

import (
	"context"
	"sync"
)

// TokenStore is where the one shared id_token lives (PostgreSQL in
// production, so that every paycore node shares it: docs/gateways/bkash.md §2.1; the lead's
// adapter implements it there; MemoryTokenStore in process).
type TokenStore interface {
	// Load returns the stored token; found=false when none is stored yet.
	// Cheap, no lock.
	Load(ctx context.Context) (tok Token, found bool, err error)
	// Update runs fn while holding an exclusive lock that every node shares
	// (a row lock), passing the token as stored now, and stores what fn
	// returns. Returns the stored token. When fn fails nothing is stored and
	// its error is returned.
	Update(ctx context.Context, fn func(ctx context.Context, cur Token, found bool) (Token, error)) (Token, error)
}

// MemoryTokenStore is an in-process TokenStore: for tests, and for a single
// node. Clients sharing one behave like nodes sharing the database row.
type MemoryTokenStore struct {
	lock  sync.Mutex // the "row lock", held while Update's fn runs
	mu    sync.Mutex // guards tok and found
	tok   Token
	found bool
}

// NewMemoryTokenStore returns an empty MemoryTokenStore.
func NewMemoryTokenStore() *MemoryTokenStore { return &MemoryTokenStore{} }

// Load returns the stored token without waiting for Update.
func (s *MemoryTokenStore) Load(context.Context) (Token, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.found, nil
}

// Update runs fn under the store's lock and stores its token. It returns
// ctx's error, storing nothing, when ctx has ended by the time it holds the
// lock.
func (s *MemoryTokenStore) Update(ctx context.Context, fn func(ctx context.Context, cur Token, found bool) (Token, error)) (Token, error) {
	s.lock.Lock()
	defer s.lock.Unlock()
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	cur, found, _ := s.Load(ctx)
	tok, err := fn(ctx, cur, found)
	if err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	s.tok, s.found = tok, true
	s.mu.Unlock()
	return tok, nil
}
