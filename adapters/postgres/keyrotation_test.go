package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
)

// TestConcurrentKeyRotationsLeaveOneKey: many regenerations of one
// client's keys at once (POST /api/v1/api-keys/regenerate, GraphQL
// regenerateApiKeys) end with exactly one active key, plus with a grace
// period exactly one key in grace: the one that was active before the last
// rotation. Each rotation locks the client row, so none misses a key another
// one inserted.
func TestConcurrentKeyRotationsLeaveOneKey(t *testing.T) {
	t.Parallel()
	for _, grace := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprintf("grace=%s", grace), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _ := pgtest.New(t)
			const clientID = "cli_rotate"
			if err := db.CreateClient(ctx, postgres.NewClientParams{
				Client: domain.Client{ID: clientID, Name: "Rotate", Status: domain.ClientActive, Language: "en"},
				APIKey: "pk_first", APISecret: []byte("sk_first"), WebhookSecret: []byte("whsec"),
			}); err != nil {
				t.Fatal(err)
			}
			const n = 24
			keys := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				keys[i] = fmt.Sprintf("pk_rot_%02d", i)
				wg.Go(func() {
					<-start
					errs[i] = db.RotateKey(ctx, clientID, keys[i], []byte("sk"), time.Now().UTC().Add(grace))
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("rotation %d: %v", i, err)
				}
			}
			var active, inGrace []string
			rows, err := db.Pool.Query(ctx, `SELECT key, revoked_at IS NULL FROM api_keys
				WHERE client_id = $1 AND (revoked_at IS NULL OR revoked_at > now() + interval '1 minute')`, clientID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k string
				var unrevoked bool
				if err := rows.Scan(&k, &unrevoked); err != nil {
					t.Fatal(err)
				}
				if unrevoked {
					active = append(active, k)
				} else {
					inGrace = append(inGrace, k)
				}
			}
			rows.Close()
			if len(active) != 1 || !slices.Contains(keys, active[0]) {
				t.Fatalf("active keys after %d concurrent rotations: %v, want exactly one of the new keys", n, active)
			}
			wantGrace := 0
			if grace > 0 {
				wantGrace = 1
			}
			if len(inGrace) != wantGrace {
				t.Fatalf("keys in grace: %v, want %d", inGrace, wantGrace)
			}
			cur, err := db.CurrentKey(ctx, clientID)
			if err != nil || cur != active[0] {
				t.Fatalf("CurrentKey = %q, %v; want %q", cur, err, active[0])
			}
		})
	}
}
