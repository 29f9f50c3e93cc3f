package postgres_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// TestOneSharedBkashToken is bKash rules 1–3 across nodes: 1,000 payments
// spread over 3 simulated hours, made alternately by two adapter instances
// (two paycore nodes) sharing one database, cost exactly one grant and a
// refresh about every 55 minutes.
func TestOneSharedBkashToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	clock := portstest.NewClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	sim := bkashsim.New(bkashsim.Config{Clock: clock.Now})
	srv := httptest.NewServer(http.StripPrefix("/sandbox/bkash", sim.Handler()))
	defer srv.Close()
	creds := bkashsim.DefaultCredentials()
	newNode := func() *bkash.Client {
		c, err := bkash.New(bkash.Config{
			BaseURL:  srv.URL + "/sandbox/bkash/v1.2.0-beta/tokenized/checkout",
			Username: creds.Username, Password: creds.Password, AppKey: creds.AppKey, AppSecret: creds.AppSecret,
			CallbackURL: "https://paycore.test/callbacks/bkash", Clock: clock,
		}, postgres.NewTokenStore[bkash.Token](db, "bkash"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	nodes := []*bkash.Client{newNode(), newNode()}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const payments = 1000
	step := 3 * time.Hour / payments
	for i := range payments {
		node := nodes[i%2]
		amount := domain.MustMoney(int64(10000+i), "BDT")
		att := "att_" + domain.RandomString(12, "abcdefghijklmnopqrstuvwxyz0123456789")
		res, err := node.Create(ctx, ports.CreateRequest{AttemptID: att, Amount: amount})
		if err != nil {
			t.Fatalf("payment %d: create: %v", i, err)
		}
		resp, err := noRedirect.PostForm(res.RedirectURL, url.Values{
			"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
		if err != nil {
			t.Fatalf("payment %d: wallet page: %v", i, err)
		}
		resp.Body.Close()
		out, err := node.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: amount})
		if err != nil || out.Outcome != ports.OutcomeSucceeded {
			t.Fatalf("payment %d: execute: %+v %v", i, out, err)
		}
		clock.Advance(step)
	}
	st := sim.Stats()
	if st["grant"] != 1 {
		t.Errorf("grants at the simulator = %d, want exactly 1", st["grant"])
	}
	if st["refresh"] < 2 || st["refresh"] > 3 {
		t.Errorf("refreshes at the simulator = %d, want 2–3 in 3 hours", st["refresh"])
	}
	if st["create"] != payments || st["execute"] != payments || st["query"] != 0 {
		t.Errorf("stats %v", st)
	}
	var g, r int64
	for _, n := range nodes {
		ng, nr := n.TokenStats()
		g, r = g+ng, r+nr
	}
	if g != 1 || int(r) != st["refresh"] {
		t.Errorf("adapters counted %d grants and %d refreshes; simulator %d/%d", g, r, st["grant"], st["refresh"])
	}
}

// TestConcurrentRefreshIsSingle: 40 concurrent calls on two nodes, just past
// the refresh point, refresh once between them (the row lock serialises
// nodes, the client single-flights goroutines).
func TestConcurrentRefreshIsSingle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	clock := portstest.NewClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	sim := bkashsim.New(bkashsim.Config{Clock: clock.Now})
	srv := httptest.NewServer(http.StripPrefix("/sandbox/bkash", sim.Handler()))
	defer srv.Close()
	creds := bkashsim.DefaultCredentials()
	var nodes []*bkash.Client
	for range 2 {
		c, err := bkash.New(bkash.Config{
			BaseURL:  srv.URL + "/sandbox/bkash/v1.2.0-beta/tokenized/checkout",
			Username: creds.Username, Password: creds.Password, AppKey: creds.AppKey, AppSecret: creds.AppSecret,
			CallbackURL: "https://paycore.test/callbacks/bkash", Clock: clock,
		}, postgres.NewTokenStore[bkash.Token](db, "bkash"))
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, c)
	}
	create := func(n *bkash.Client) error {
		_, err := n.Create(ctx, ports.CreateRequest{AttemptID: "att_" + domain.RandomString(12, "abcdefghij0123456789"),
			Amount: domain.MustMoney(10000, "BDT")})
		return err
	}
	if err := create(nodes[0]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(56 * time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- create(nodes[i%2])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := sim.Stats(); st["grant"] != 1 || st["refresh"] != 1 {
		t.Fatalf("stats %v: want one grant and one refresh", st)
	}
}
