package bkash_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// simEnv runs the client against paycore's bKash simulator, mounted as
// sandbox mode mounts it, with nothing but the base URL and credentials
// changed from production.
type simEnv struct {
	sim     *bkashsim.Simulator
	clock   *portstest.Clock
	client  *bkash.Client
	store   *bkash.MemoryTokenStore
	baseURL string
}

func newSimEnv(t *testing.T, timeout time.Duration) *simEnv {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/bkash"
	clock := portstest.NewClock(t0)
	sim := bkashsim.New(bkashsim.Config{PublicURL: public, Clock: clock.Now})
	mux.Handle("/sandbox/bkash/", http.StripPrefix("/sandbox/bkash", sim.Handler()))
	srv.Start()
	t.Cleanup(func() { sim.Close(); srv.Close() })

	creds := sim.Credentials()
	store := bkash.NewMemoryTokenStore()
	c, err := bkash.New(bkash.Config{
		BaseURL: public + bkashsim.APIPrefix, Username: creds.Username, Password: creds.Password,
		AppKey: creds.AppKey, AppSecret: creds.AppSecret, CallbackURL: callbackURL,
		Timeout: timeout, Clock: clock,
	}, store)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, clock: clock, client: c, store: store, baseURL: public + bkashsim.APIPrefix}
}

// pay creates a payment and approves it on the wallet page like a customer;
// it returns the attempt and the callback query.
func (s *simEnv) pay(t *testing.T, attemptID string, amount domain.Money, wallet string) (ports.CreateResult, url.Values) {
	t.Helper()
	res, err := s.client.Create(context.Background(), ports.CreateRequest{AttemptID: attemptID, Amount: amount})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	form := url.Values{"wallet": {wallet}, "otp": {bkashsim.SandboxOTP}, "pin": {bkashsim.SandboxPIN}, "action": {"pay"}}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(res.RedirectURL, form)
	if err != nil {
		t.Fatalf("wallet page: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("wallet page answered %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), callbackURL) {
		t.Fatalf("redirect to %q, want the callback", resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("paymentID") != res.GatewayRef {
		t.Fatalf("callback paymentID %q, want %q", q.Get("paymentID"), res.GatewayRef)
	}
	if res.Signature != "" && q.Get("signature") != res.Signature {
		t.Errorf("callback signature %q, create said %q", q.Get("signature"), res.Signature)
	}
	return res, q
}

func (s *simEnv) stat(key string) int { return s.sim.Stats()[key] }

func TestSimulatorCheckoutAndRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSimEnv(t, 2*time.Second)

	res, cb := s.pay(t, "att_sim_1", bdt(25000), "01770618575")
	eq(t, "callback status", cb.Get("status"), "success")
	req := ports.ConfirmRequest{AttemptID: "att_sim_1", GatewayRef: res.GatewayRef, Amount: bdt(25000)}
	out, err := s.client.Confirm(ctx, req)
	if err != nil || out.Outcome != ports.OutcomeSucceeded || out.TrxID == "" {
		t.Fatalf("Confirm = %+v, %v; want succeeded", out, err)
	}
	eq(t, "queries on the success path", s.stat(bkashsim.EndpointQuery), 0)

	// A second execute: 2117, an answer (never queried, docs/gateways/bkash.md
	// §2.7); left to an operator.
	again, err := s.client.Confirm(ctx, req)
	if err != nil || again.Outcome != ports.OutcomeUnknown || again.Code != "2117" || !again.AwaitOperator {
		t.Fatalf("second Confirm = %+v, %v; want 2117 awaiting an operator", again, err)
	}
	eq(t, "executes", s.stat(bkashsim.EndpointExecute), 2)
	eq(t, "queries", s.stat(bkashsim.EndpointQuery), 0)

	found, err := s.client.Search(ctx, out.TrxID)
	if err != nil || found.TrxID != out.TrxID || !found.Amount.Equal(bdt(25000)) {
		t.Fatalf("Search = %+v, %v", found, err)
	}

	r1, err := s.client.Refund(ctx, bkash.RefundRequest{PaymentID: res.GatewayRef, TrxID: out.TrxID, Amount: bdt(10000), SKU: "SKU-1", Reason: "customer return"})
	if err != nil || !r1.Completed() || r1.RefundTrxID == "" {
		t.Fatalf("Refund = %+v, %v", r1, err)
	}
	// The second refund's answer is lost after the money moved: refund
	// status settles it, and it is never submitted twice.
	s.sim.SetFault(bkashsim.EndpointRefund, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	r2, err := s.client.Refund(ctx, bkash.RefundRequest{PaymentID: res.GatewayRef, TrxID: out.TrxID, Amount: bdt(5000), SKU: "SKU-1",
		Reason: "second item", PriorRefundTrxIDs: []string{r1.RefundTrxID}})
	if err != nil || !r2.Completed() || r2.RefundTrxID == r1.RefundTrxID || !r2.Amount.Equal(bdt(5000)) {
		t.Fatalf("Refund after a dropped answer = %+v, %v", r2, err)
	}
	eq(t, "refunds submitted", s.stat(bkashsim.EndpointRefund), 2)
	eq(t, "refund statuses", s.stat(bkashsim.EndpointRefundStatus), 1)
	if p, _ := s.sim.Payment(res.GatewayRef); p.RefundedPaisa != 15000 {
		t.Errorf("refunded %d paisa, want 15000", p.RefundedPaisa)
	}

	// Past the refund window: 2071.
	s.clock.Advance(bkashsim.DefaultRefundWindow + time.Hour)
	_, err = s.client.Refund(ctx, bkash.RefundRequest{PaymentID: res.GatewayRef, TrxID: out.TrxID, Amount: bdt(100), SKU: "SKU-1", Reason: "late"})
	var re *bkash.RefundError
	if !errors.As(err, &re) || re.Code != "2071" || re.Message == "" {
		t.Fatalf("late Refund err = %v, want RefundError 2071", err)
	}
}

func TestSimulatorExecuteFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSimEnv(t, 300*time.Millisecond)

	// Insufficient balance: failed with bKash's message (docs/gateways/bkash.md §2.6), no query.
	res, _ := s.pay(t, "att_sim_poor", bdt(25000), bkashsim.WalletInsufficientBalance)
	out, err := s.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_sim_poor", GatewayRef: res.GatewayRef, Amount: bdt(25000)})
	if err != nil || out.Outcome != ports.OutcomeFailed || out.Code != "2023" || out.Message != "Insufficient Balance" {
		t.Fatalf("Confirm = %+v, %v; want failed 2023 Insufficient Balance", out, err)
	}
	eq(t, "queries", s.stat(bkashsim.EndpointQuery), 0)

	// Execute completes but its answer is lost: one query, succeeded.
	res, _ = s.pay(t, "att_sim_drop", bdt(9900), "01929918378")
	s.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	out, err = s.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_sim_drop", GatewayRef: res.GatewayRef, Amount: bdt(9900)})
	if err != nil || out.Outcome != ports.OutcomeSucceeded || out.TrxID == "" {
		t.Fatalf("Confirm after a dropped answer = %+v, %v; want succeeded", out, err)
	}
	eq(t, "queries", s.stat(bkashsim.EndpointQuery), 1)

	// Execute never reaches bKash (times out first): query says Initiated,
	// the customer starts again.
	res, _ = s.pay(t, "att_sim_lost", bdt(5000), "01770618576")
	s.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultNoAnswer, Times: 1})
	out, err = s.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_sim_lost", GatewayRef: res.GatewayRef, Amount: bdt(5000)})
	if err != nil || out.Outcome != ports.OutcomeFailed || out.Code != bkash.CodeInitiated {
		t.Fatalf("Confirm after no answer = %+v, %v; want failed INITIATED", out, err)
	}

	// Neither execute nor query heard: unknown.
	res, _ = s.pay(t, "att_sim_dark", bdt(5000), "01877722345")
	s.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.Fault503, After: true, Times: 1})
	s.sim.SetFault(bkashsim.EndpointQuery, bkashsim.Fault{Mode: bkashsim.FaultHTML, Times: 1})
	out, err = s.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_sim_dark", GatewayRef: res.GatewayRef, Amount: bdt(5000)})
	if err != nil || out.Outcome != ports.OutcomeUnknown {
		t.Fatalf("Confirm unheard = %+v, %v; want unknown", out, err)
	}
}

func TestSimulatorTokens(t *testing.T) {
	t.Parallel()
	s := newSimEnv(t, 2*time.Second)
	ctx := context.Background()
	res, _ := s.pay(t, "att_sim_tok", bdt(25000), "01770618575")
	eq(t, "grants", s.stat(bkashsim.EndpointGrant), 1)

	s.clock.Advance(56 * time.Minute)
	if _, err := s.client.Query(ctx, res.GatewayRef); err != nil {
		t.Fatal(err)
	}
	eq(t, "refreshes", s.stat(bkashsim.EndpointRefresh), 1)

	// A second node sharing the token store grants nothing.
	creds := s.sim.Credentials()
	node2, err := bkash.New(bkash.Config{BaseURL: s.baseURL, Username: creds.Username, Password: creds.Password,
		AppKey: creds.AppKey, AppSecret: creds.AppSecret, CallbackURL: callbackURL, Clock: s.clock}, s.store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node2.Query(ctx, res.GatewayRef); err != nil {
		t.Fatal(err)
	}
	eq(t, "grants", s.stat(bkashsim.EndpointGrant), 1)

	// After 28 days the refresh_token is spent: grant again.
	s.clock.Advance(28 * 24 * time.Hour)
	if _, err := s.client.Query(ctx, res.GatewayRef); err != nil {
		t.Fatal(err)
	}
	eq(t, "grants", s.stat(bkashsim.EndpointGrant), 2)
	eq(t, "refreshes", s.stat(bkashsim.EndpointRefresh), 1)
}
