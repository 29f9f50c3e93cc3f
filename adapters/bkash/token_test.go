package bkash_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// countingStore counts Load calls (every caller's first look) and Update
// calls (each one is a shared-lock round).
type countingStore struct {
	*bkash.MemoryTokenStore
	loads   atomic.Int64
	updates atomic.Int64
}

func (s *countingStore) Load(ctx context.Context) (bkash.Token, bool, error) {
	s.loads.Add(1)
	return s.MemoryTokenStore.Load(ctx)
}

func (s *countingStore) Update(ctx context.Context, fn func(context.Context, bkash.Token, bool) (bkash.Token, error)) (bkash.Token, error) {
	s.updates.Add(1)
	return s.MemoryTokenStore.Update(ctx, fn)
}

func queryOK(t *testing.T, c *bkash.Client) {
	t.Helper()
	if _, err := c.Query(context.Background(), fxPaymentID); err != nil {
		t.Fatalf("Query: %v", err)
	}
}

func tokenStats(t *testing.T, c *bkash.Client, grants, refreshes int64) {
	t.Helper()
	g, r := c.TokenStats()
	if g != grants || r != refreshes {
		t.Errorf("TokenStats = %d grants, %d refreshes; want %d, %d", g, r, grants, refreshes)
	}
}

func TestTokenGrantedOnceForConcurrentCalls(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	release := f.holdGrants() // keep the grant in flight while the others arrive
	store := &countingStore{MemoryTokenStore: bkash.NewMemoryTokenStore()}
	c, err := bkash.New(f.config(portstest.NewClock(t0)), store)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { queryOK(t, c) })
	}
	portstest.WaitFor(t, "50 callers without a token and one grant in flight", func() bool {
		return store.loads.Load() == 50 && f.count("grant") == 1
	})
	release()
	wg.Wait()
	eq(t, "grants", f.count("grant"), 1)
	eq(t, "queries", f.count("query"), 50)
	eq(t, "store updates (single flight)", store.updates.Load(), int64(1))
	tokenStats(t, c, 1, 0)
}

func TestTwoClientsSharingAStoreGrantOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	release := f.holdGrants()
	clock := portstest.NewClock(t0)
	store := &countingStore{MemoryTokenStore: bkash.NewMemoryTokenStore()}
	a, _ := bkash.New(f.config(clock), store)
	b, _ := bkash.New(f.config(clock), store)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { queryOK(t, a) })
		wg.Go(func() { queryOK(t, b) })
	}
	portstest.WaitFor(t, "40 callers without a token and one grant in flight", func() bool {
		return store.loads.Load() == 40 && f.count("grant") == 1
	})
	release()
	wg.Wait()
	eq(t, "grants", f.count("grant"), 1)
	ga, _ := a.TokenStats()
	gb, _ := b.TokenStats()
	eq(t, "grants by the two clients", ga+gb, int64(1))
}

func TestTokenRefreshedAt55Minutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queryOK(t, e.client)
	first := e.storedToken(t)
	eqTime(t, "IDTokenExpiresAt", first.IDTokenExpiresAt, t0.Add(time.Hour))
	eqTime(t, "RefreshTokenExpiresAt", first.RefreshTokenExpiresAt, t0.Add(28*24*time.Hour))

	e.clock.Advance(54 * time.Minute)
	queryOK(t, e.client)
	eq(t, "refreshes at 54 min", e.f.count("refresh"), 0)

	e.clock.Advance(time.Minute + time.Second) // 55:01: less than 5 min left
	queryOK(t, e.client)
	eq(t, "refreshes at 55 min", e.f.count("refresh"), 1)
	eq(t, "grants", e.f.count("grant"), 1)
	eq(t, "refresh_token sent", e.f.requests("refresh")[0].str(t, "refresh_token"), first.RefreshToken)

	second := e.storedToken(t)
	if second.IDToken == first.IDToken {
		t.Fatal("id_token not replaced")
	}
	eqTime(t, "IDTokenExpiresAt after refresh", second.IDTokenExpiresAt, e.clock.Now().Add(time.Hour))
	eqTime(t, "RefreshTokenExpiresAt kept", second.RefreshTokenExpiresAt, first.RefreshTokenExpiresAt)
	qs := e.f.requests("query")
	eq(t, "last query used the new token", qs[len(qs)-1].header.Get("Authorization"), second.IDToken)
	tokenStats(t, e.client, 1, 1)
}

func TestTokenRegrantedAfter28Days(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queryOK(t, e.client)
	first := e.storedToken(t)

	e.clock.Advance(27 * 24 * time.Hour) // refresh_token still has a day
	queryOK(t, e.client)
	eq(t, "refreshes", e.f.count("refresh"), 1)
	eqTime(t, "RefreshTokenExpiresAt kept", e.storedToken(t).RefreshTokenExpiresAt, first.RefreshTokenExpiresAt)

	e.clock.Advance(23*time.Hour + 55*time.Minute) // 5 min of the 28 days left
	queryOK(t, e.client)
	eq(t, "refreshes", e.f.count("refresh"), 1)
	eq(t, "grants", e.f.count("grant"), 2)
	tok := e.storedToken(t)
	eqTime(t, "new RefreshTokenExpiresAt", tok.RefreshTokenExpiresAt, e.clock.Now().Add(28*24*time.Hour))
	if tok.RefreshToken == first.RefreshToken {
		t.Error("refresh_token not replaced by the grant")
	}
	tokenStats(t, e.client, 2, 1)
}

func TestRefreshRefusedGrants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"401 Unauthorized", 401, `{"message":"Unauthorized"}`},
		{"statusCode", 200, `{"statusCode":"2079","statusMessage":"Invalid app token"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			queryOK(t, e.client)
			e.f.answer("refresh", tc.status, tc.body)
			e.clock.Advance(56 * time.Minute)
			queryOK(t, e.client)
			eq(t, "refreshes tried", e.f.count("refresh"), 1)
			eq(t, "grants", e.f.count("grant"), 2)
			tokenStats(t, e.client, 2, 0)
		})
	}
}

func TestRefreshNoAnswerDoesNotGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queryOK(t, e.client)
	e.f.answer("refresh", 502, `<html>Bad Gateway</html>`)
	e.clock.Advance(56 * time.Minute)
	_, err := e.client.Query(context.Background(), fxPaymentID)
	if !errors.Is(err, bkash.ErrNoToken) || errors.Is(err, bkash.ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoToken (and not ErrNoAnswer)", err)
	}
	eq(t, "grants", e.f.count("grant"), 1)
	eq(t, "queries sent", e.f.count("query"), 1)
}

func TestGrantRefusedIsNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkash.Config) { c.Password = "wrong-password" })
	_, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: fxInvoice, GatewayRef: fxPaymentID, Amount: bdt(25000)})
	if !errors.Is(err, bkash.ErrNoToken) {
		t.Fatalf("err = %v, want ErrNoToken", err)
	}
	eq(t, "executes sent", e.f.count("execute"), 0)
	eq(t, "queries sent", e.f.count("query"), 0)
}

func TestUnauthorizedRegrantsAndRetriesOnlyIdempotentCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	queryOK(t, e.client)
	next := func() { e.clock.Advance(2 * time.Minute); e.f.revokeAll() }

	// Query: one re-grant, one retry.
	next()
	queryOK(t, e.client)
	eq(t, "grants after query 401", e.f.count("grant"), 2)
	eq(t, "queries", e.f.count("query"), 3)

	// Search and refund status are retried too.
	next()
	if _, err := e.client.Search(ctx, fxTrxID); err != nil {
		t.Fatalf("Search: %v", err)
	}
	eq(t, "searches", e.f.count("search"), 2)
	next()
	if _, err := e.client.RefundStatus(ctx, fxPaymentID, fxTrxID); err != nil {
		t.Fatalf("RefundStatus: %v", err)
	}
	eq(t, "refund statuses", e.f.count("refund_status"), 2)
	eq(t, "grants", e.f.count("grant"), 4)

	// Create: re-grant, not sent again.
	next()
	_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: "att_1", Amount: bdt(25000)})
	if !errors.Is(err, bkash.ErrUnauthorized) {
		t.Fatalf("Create err = %v, want ErrUnauthorized", err)
	}
	eq(t, "creates", e.f.count("create"), 1)
	eq(t, "grants", e.f.count("grant"), 5)

	// Execute: re-grant, not sent again; the no-answer path queries.
	next()
	res, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: fxInvoice, GatewayRef: fxPaymentID, Amount: bdt(25000)})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "executes", e.f.count("execute"), 1)
	eq(t, "grants", e.f.count("grant"), 6)
	eq(t, "outcome from query", res.Outcome, ports.OutcomeSucceeded)

	// Refund: re-grant, not sent again; refund status asked instead.
	next()
	_, err = e.client.Refund(ctx, bkash.RefundRequest{PaymentID: fxPaymentID, TrxID: fxTrxID, Amount: bdt(10000), SKU: "SKU-1", Reason: "return"})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	eq(t, "refunds", e.f.count("refund"), 1)
	eq(t, "grants", e.f.count("grant"), 7)
	tokenStats(t, e.client, 7, 0)
}

// A bKash that refuses every token (a wrong app key, say) costs one
// re-grant per RegrantCooldown, not one per call.
func TestUnauthorizedRegrantsAtMostOncePerCooldown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.on("query", func(w http.ResponseWriter, _ *http.Request, _ fakeReq) {
		writeJSON(w, 401, `{"message":"Unauthorized"}`)
	})
	for range 3 {
		if _, err := e.client.Query(context.Background(), fxPaymentID); !errors.Is(err, bkash.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
	}
	eq(t, "grants", e.f.count("grant"), 2) // the first, and one re-grant after the first 401
	eq(t, "queries", e.f.count("query"), 4)
	e.clock.Advance(bkash.RegrantCooldown + time.Second)
	if _, err := e.client.Query(context.Background(), fxPaymentID); !errors.Is(err, bkash.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	eq(t, "grants after the cooldown", e.f.count("grant"), 3)
}

func TestUnauthorizedRegrantsOnceForConcurrentCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queryOK(t, e.client)
	e.clock.Advance(2 * time.Minute)
	e.f.revokeAll()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { queryOK(t, e.client) })
	}
	wg.Wait()
	eq(t, "grants", e.f.count("grant"), 2)
}

func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	tok := bkash.Token{IDToken: "idtok-secret-1", RefreshToken: "reftok-secret-2", IDTokenExpiresAt: t0}
	for _, s := range []string{tok.String(), sprintf("%v", tok), sprintf("%+v", tok), sprintf("%#v", tok), sprintf("%v", &tok)} {
		if containsAny(s, "idtok-secret-1", "reftok-secret-2") {
			t.Errorf("token printed: %s", s)
		}
	}
	tr := bkash.TokenResponse{IDToken: "idtok-secret-1", RefreshToken: "reftok-secret-2"}
	for _, s := range []string{sprintf("%v", tr), sprintf("%+v", tr), sprintf("%#v", tr)} {
		if containsAny(s, "idtok-secret-1", "reftok-secret-2") {
			t.Errorf("token response printed: %s", s)
		}
	}
}
