package bkash_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/ports/portstest"
)

// With TokenCacheTTL a client reads the shared token from its store once
// per TTL, not before every call; past the TTL it reads it again (and so
// sees a token another node stored), and a 401 drops the cached token at
// once: the next call never sends it again.
func TestTokenCacheTTL(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	clock := portstest.NewClock(t0)
	store := &countingStore{MemoryTokenStore: bkash.NewMemoryTokenStore()}
	cfg := f.config(clock)
	cfg.TokenCacheTTL = 30 * time.Second
	c, err := bkash.New(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	queryOK(t, c) // grants, and caches what it stored
	loads := store.loads.Load()
	for range 5 {
		queryOK(t, c)
	}
	eq(t, "store loads within the TTL", store.loads.Load(), loads)

	// Another node renews the token: seen once the TTL has passed.
	other, err := bkash.New(f.config(clock), store)
	if err != nil {
		t.Fatal(err)
	}
	first := c.LastTokenForTest()
	f.revokeAll()
	queryOK(t, other) // 401, re-grant, stored
	if other.LastTokenForTest() == first {
		t.Fatal("the other client kept the revoked token")
	}
	loads = store.loads.Load() // the other client's own read counted too
	clock.Advance(30 * time.Second)
	queryOK(t, c)
	eq(t, "store loads after the TTL", store.loads.Load(), loads+1)
	eq(t, "grants", f.count("grant"), 2) // no grant of its own: it read the other's token

	// A 401 drops the cache: the refused token is not sent again.
	f.revokeAll()
	clock.Advance(2 * time.Minute) // past RegrantCooldown
	queryOK(t, c)                  // 401, re-grant, retried with the new token
	refused := f.count("query")
	queryOK(t, c)
	eq(t, "queries (no second 401)", f.count("query"), refused+1)
}

// A negative TokenCacheTTL is refused.
func TestTokenCacheTTLNegative(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	cfg := f.config(portstest.NewClock(t0))
	cfg.TokenCacheTTL = -time.Second
	if _, err := bkash.New(cfg, bkash.NewMemoryTokenStore()); err == nil {
		t.Fatal("negative TokenCacheTTL accepted")
	}
}

// BenchmarkIDToken: the token look-up before each API call, reading the
// store every call versus the TokenCacheTTL cache (paycore's store is
// PostgreSQL: each read is also a round trip, not counted here).
func BenchmarkIDToken(b *testing.B) {
	for _, ttl := range []time.Duration{0, time.Minute} {
		name := "store every call"
		if ttl > 0 {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			f := newFake(b)
			cfg := f.config(portstest.NewClock(t0))
			cfg.TokenCacheTTL = ttl
			box, err := secret.NewBox(secret.SandboxKey())
			if err != nil {
				b.Fatal(err)
			}
			c, err := bkash.New(cfg, &sealedStore{box: box})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.IDTokenForTest(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.IDTokenForTest(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sealedStore keeps the token as paycore's PostgreSQL store does: JSON
// sealed with AES-256-GCM, opened and decoded on every Load (less the
// round trip).
type sealedStore struct {
	box    *secret.Box
	sealed []byte
}

func (s *sealedStore) Load(context.Context) (bkash.Token, bool, error) {
	var tok bkash.Token
	if s.sealed == nil {
		return tok, false, nil
	}
	plain, err := s.box.Open(s.sealed, []byte("gateway-token:bkash"))
	if err != nil {
		return tok, false, err
	}
	return tok, true, json.Unmarshal(plain, &tok)
}

func (s *sealedStore) Update(ctx context.Context, fn func(context.Context, bkash.Token, bool) (bkash.Token, error)) (bkash.Token, error) {
	cur, found, err := s.Load(ctx)
	if err != nil {
		return cur, err
	}
	tok, err := fn(ctx, cur, found)
	if err != nil {
		return tok, err
	}
	plain, err := json.Marshal(tok)
	if err != nil {
		return tok, err
	}
	s.sealed = s.box.Seal(plain, []byte("gateway-token:bkash"))
	return tok, nil
}
