package bkash_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// newSimEnvWith is newSimEnv with the simulator's Config adjusted by
// configure and the client's credentials by creds (nil: the simulator's).
func newSimEnvWith(t *testing.T, configure func(*bkashsim.Config), creds func(*bkashsim.Credentials)) *simEnv {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/bkash"
	clock := portstest.NewClock(t0)
	cfg := bkashsim.Config{PublicURL: public, Clock: clock.Now}
	if configure != nil {
		configure(&cfg)
	}
	sim := bkashsim.New(cfg)
	mux.Handle("/sandbox/bkash/", http.StripPrefix("/sandbox/bkash", sim.Handler()))
	srv.Start()
	t.Cleanup(func() { sim.Close(); srv.Close() })

	cr := sim.Credentials()
	if creds != nil {
		creds(&cr)
	}
	store := bkash.NewMemoryTokenStore()
	c, err := bkash.New(bkash.Config{
		BaseURL: public + bkashsim.APIPrefix, Username: cr.Username, Password: cr.Password,
		AppKey: cr.AppKey, AppSecret: cr.AppSecret, CallbackURL: callbackURL,
		Timeout: 2 * time.Second, Clock: clock,
	}, store)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, clock: clock, client: c, store: store, baseURL: public + bkashsim.APIPrefix}
}

// TestSimulatorGrant9999IsARefusal: bad credentials answer HTTP 200
// statusCode 9999 (bKash errata); the client reports a refusal carrying
// bKash's message, sends nothing else, and does not crash.
func TestSimulatorGrant9999IsARefusal(t *testing.T) {
	t.Parallel()
	s := newSimEnvWith(t, nil, func(c *bkashsim.Credentials) { c.Username = "nobody" })
	_, err := s.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_9999", Amount: bdt(25000)})
	if !errors.Is(err, bkash.ErrNoToken) || errors.Is(err, bkash.ErrNoAnswer) {
		t.Fatalf("Create err = %v; want ErrNoToken (a refusal, not 'no answer')", err)
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "Username does not exist") {
		t.Fatalf("Create err = %v; want bKash's code and message", err)
	}
	eq(t, "creates sent", s.stat(bkashsim.EndpointCreate), 0)
}

// TestSimulatorTokenBlockIsARefusal: a merchant blocked for calling the
// token API too often (docs/gateways/bkash.md §4.3) gets a refusal, and the
// call it wanted to make is not sent.
func TestSimulatorTokenBlockIsARefusal(t *testing.T) {
	t.Parallel()
	s := newSimEnvWith(t, func(c *bkashsim.Config) { c.TokenCallsPerHour = 1 }, nil)
	ctx := context.Background()
	if _, err := s.client.Search(ctx, "AAAAAAAAAA"); err == nil || errors.Is(err, bkash.ErrNoToken) {
		t.Fatalf("first Search err = %v; want 2033 with a token", err)
	}
	// Another process with its own (empty) store must grant: over the limit.
	creds := s.sim.Credentials()
	other, err := bkash.New(bkash.Config{BaseURL: s.baseURL, Username: creds.Username, Password: creds.Password,
		AppKey: creds.AppKey, AppSecret: creds.AppSecret, CallbackURL: callbackURL, Clock: s.clock}, bkash.NewMemoryTokenStore())
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Create(ctx, ports.CreateRequest{AttemptID: "att_blocked", Amount: bdt(25000)})
	if !errors.Is(err, bkash.ErrNoToken) || !strings.Contains(err.Error(), "Too Many Requests") {
		t.Fatalf("blocked Create err = %v; want ErrNoToken with bKash's message", err)
	}
	eq(t, "creates sent", s.stat(bkashsim.EndpointCreate), 0)
	if s.sim.TokenBlockedUntil().IsZero() {
		t.Fatal("simulator did not block the merchant")
	}
}

// TestSimulatorAmountAndSKURefusals: an amount under ৳1 is refused by
// bKash with its message; a refund without sku is refused before sending
// (bKash refuses it: 2073 Invalid SKU).
func TestSimulatorAmountAndSKURefusals(t *testing.T) {
	t.Parallel()
	s := newSimEnvWith(t, nil, nil)
	ctx := context.Background()
	_, err := s.client.Create(ctx, ports.CreateRequest{AttemptID: "att_small", Amount: bdt(99)})
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != "2006" || ge.Message != "Invalid amount" {
		t.Fatalf("Create 0.99 err = %v; want GatewayError 2006 Invalid amount", err)
	}

	res, _ := s.pay(t, "att_sku", bdt(25000), "01770618575")
	out, err := s.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_sku", GatewayRef: res.GatewayRef, Amount: bdt(25000)})
	if err != nil || out.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("Confirm = %+v, %v", out, err)
	}
	_, err = s.client.Refund(ctx, bkash.RefundRequest{PaymentID: res.GatewayRef, TrxID: out.TrxID, Amount: bdt(100), Reason: "no sku"})
	if !errors.Is(err, bkash.ErrInvalidRequest) {
		t.Fatalf("Refund without sku err = %v; want ErrInvalidRequest", err)
	}
	eq(t, "refunds sent", s.stat(bkashsim.EndpointRefund), 0)
}
