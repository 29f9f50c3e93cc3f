package sslcommerz_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/adapters/sslcommerz"
	"github.com/paycore/paycore/adapters/sslcommerzsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// rig is the adapter against the simulator, with a fake paycore receiving
// IPNs.
type rig struct {
	c    *sslcommerz.Client
	sim  *sslcommerzsim.Simulator
	mu   sync.Mutex
	ipns []map[string]string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	rg := &rig{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+sslcommerz.CallbackIPN, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := map[string]string{}
		for k := range r.PostForm {
			f[k] = r.PostForm.Get(k)
		}
		rg.mu.Lock()
		rg.ipns = append(rg.ipns, f)
		rg.mu.Unlock()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rg.sim = sslcommerzsim.New(sslcommerzsim.Config{PublicURL: srv.URL + "/sim"})
	mux.Handle("/sim/", http.StripPrefix("/sim", rg.sim.Handler()))
	cr := rg.sim.Credentials()
	c, err := sslcommerz.New(sslcommerz.Config{BaseURL: srv.URL + "/sim", StoreID: cr.StoreID, StorePasswd: cr.StorePasswd,
		CallbackBaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rg.c = c
	return rg
}

var (
	formRe  = regexp.MustCompile(`<form id="return" method="post" action="([^"]*)">`)
	inputRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// ParseReturn reads the simulator's auto-submitting return form.
func parseReturn(t *testing.T, body string) (string, map[string]string) {
	t.Helper()
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no return form in %s", body)
	}
	f := map[string]string{}
	for _, in := range inputRe.FindAllStringSubmatch(body, -1) {
		f[html.UnescapeString(in[1])] = html.UnescapeString(in[2])
	}
	return html.UnescapeString(m[1]), f
}

// pay opens a session for attemptID and submits the hosted page with form.
func (rg *rig) pay(t *testing.T, attemptID string, amount domain.Money, form url.Values) (string, map[string]string) {
	t.Helper()
	res, err := rg.c.Create(context.Background(), ports.CreateRequest{AttemptID: attemptID, Amount: amount,
		Customer: ports.Customer{Name: "Rahim", Email: "r@example.com", Phone: "01711111111"}, OrderID: "ORD-1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.GatewayRef != attemptID || !strings.Contains(res.RedirectURL, "/EasyCheckOut/testcde") {
		t.Fatalf("create: %+v", res)
	}
	resp, err := http.PostForm(res.RedirectURL, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return parseReturn(t, string(b))
}

func card(no string) url.Values {
	return url.Values{"method": {"card"}, "card_no": {no}, "action": {"pay"}}
}

var tk = domain.MustMoney(150_00, "BDT")

func TestSuccessValidatedOnce(t *testing.T) {
	rg := newRig(t)
	to, f := rg.pay(t, "att_ok1", tk, card(sslcommerzsim.CardVisa))
	if !strings.HasSuffix(to, sslcommerz.CallbackSuccess) {
		t.Fatalf("returned to %s", to)
	}
	if err := rg.c.AuthenticateCallback(f); err != nil {
		t.Fatal(err)
	}
	if len(rg.ipns) != 1 || rg.c.AuthenticateCallback(rg.ipns[0]) != nil {
		t.Fatalf("ipns: %v", rg.ipns)
	}
	req := ports.ConfirmRequest{AttemptID: "att_ok1", GatewayRef: "att_ok1", Amount: tk, Callback: f}
	for i := range 2 { // VALID, then VALIDATED: the same outcome
		out, err := rg.c.Confirm(context.Background(), req)
		if err != nil || out.Outcome != ports.OutcomeSucceeded || out.TrxID != f["bank_tran_id"] || out.Review != "" {
			t.Fatalf("confirm %d: %+v %v", i, out, err)
		}
	}
	// Resolve and CheckAbandoned find it by tran_id.
	for _, fn := range []func(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error){rg.c.Resolve, rg.c.CheckAbandoned} {
		if out, _ := fn(context.Background(), ports.ConfirmRequest{AttemptID: "att_ok1", Amount: tk}); out.Outcome != ports.OutcomeSucceeded {
			t.Fatalf("by tran_id: %+v", out)
		}
	}
	// Another attempt replaying this val_id (even correctly signed) is refused.
	out, _ := rg.c.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: "att_other", Amount: tk, Callback: f})
	if out.Outcome != ports.OutcomeFailed || out.Review != sslcommerz.CodeTranMismatch {
		t.Fatalf("replay: %+v", out)
	}
	// The attempt's own amount counts, not the posted one.
	out, _ = rg.c.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: "att_ok1", Amount: domain.MustMoney(150_01, "BDT"), Callback: f})
	if out.Outcome != ports.OutcomeFailed || out.Review != sslcommerz.CodeAmountMismatch {
		t.Fatalf("amount: %+v", out)
	}
}

func TestFailCancelRiskyAbandoned(t *testing.T) {
	rg := newRig(t)
	ctx := context.Background()
	to, f := rg.pay(t, "att_fail", tk, card(sslcommerzsim.CardDeclined))
	out, _ := rg.c.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_fail", Amount: tk, Callback: f})
	if !strings.HasSuffix(to, sslcommerz.CallbackFail) || out.Outcome != ports.OutcomeFailed || out.Code != "FAILED" {
		t.Fatalf("fail: %s %+v", to, out)
	}
	to, f = rg.pay(t, "att_cancel", tk, url.Values{"action": {"cancel"}})
	out, _ = rg.c.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_cancel", Amount: tk, Callback: f})
	if !strings.HasSuffix(to, sslcommerz.CallbackCancel) || out.Outcome != ports.OutcomeFailed || out.Code != "CANCELLED" {
		t.Fatalf("cancel: %s %+v", to, out)
	}
	_, f = rg.pay(t, "att_risky", tk, card(sslcommerzsim.CardRisky))
	out, _ = rg.c.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_risky", Amount: tk, Callback: f})
	if out.Outcome != ports.OutcomeUnknown || out.Review != sslcommerz.CodeRisky || out.TrxID != f["bank_tran_id"] {
		t.Fatalf("risky: %+v", out)
	}
	out, _ = rg.c.Resolve(ctx, ports.ConfirmRequest{AttemptID: "att_risky", Amount: tk, ClaimedTrxID: f["bank_tran_id"]})
	if out.Outcome != ports.OutcomeUnknown || out.Review != "" {
		t.Fatalf("risky again: %+v", out)
	}
	// A session opened and left: pending, then abandoned.
	if _, err := rg.c.Create(ctx, ports.CreateRequest{AttemptID: "att_left", Amount: tk}); err != nil {
		t.Fatal(err)
	}
	if out, _ := rg.c.Resolve(ctx, ports.ConfirmRequest{AttemptID: "att_left", Amount: tk}); out.Outcome != ports.OutcomeUnknown {
		t.Fatalf("pending: %+v", out)
	}
	if out, _ := rg.c.CheckAbandoned(ctx, ports.ConfirmRequest{AttemptID: "att_left", Amount: tk}); out.Outcome != ports.OutcomeFailed || out.Code != sslcommerz.CodeAbandoned {
		t.Fatalf("abandoned: %+v", out)
	}
	// A validation answer for another amount (fault) is refused for review.
	_, f = rg.pay(t, "att_wrong", tk, card(sslcommerzsim.CardMaster))
	rg.sim.SetFault(sslcommerzsim.EndpointValidation, simkit.Fault{Mode: sslcommerzsim.FaultWrongAmount, Times: 1})
	out, _ = rg.c.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_wrong", Amount: tk, Callback: f})
	if out.Outcome != ports.OutcomeFailed || out.Review != sslcommerz.CodeAmountMismatch {
		t.Fatalf("wrong amount: %+v", out)
	}
	// No answer is unknown.
	rg.sim.SetFault(sslcommerzsim.EndpointValidation, simkit.Fault{Mode: simkit.Fault503, Times: 1})
	if out, _ = rg.c.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_wrong", Amount: tk, Callback: f}); out.Outcome != ports.OutcomeUnknown {
		t.Fatalf("503: %+v", out)
	}
}

func TestRefundsPartialTwiceThenOver(t *testing.T) {
	rg := newRig(t)
	ctx := context.Background()
	_, f := rg.pay(t, "att_ref", tk, card(sslcommerzsim.CardVisa))
	bank := f["bank_tran_id"]
	for i, id := range []string{"ref_a", "ref_b"} {
		req := ports.RefundRequest{RefundID: id, TrxID: bank, Amount: domain.MustMoney(50_00, "BDT"), Reason: "partial"}
		res, err := rg.c.SubmitRefund(ctx, req)
		if err != nil || res.Outcome != ports.OutcomeUnknown || res.RefundRef == "" {
			t.Fatalf("submit %d: %+v %v", i, res, err)
		}
		req.RefundRef = res.RefundRef
		if got, _ := rg.c.CheckRefund(ctx, req); got.Outcome != ports.OutcomeUnknown {
			t.Fatalf("first status: %+v", got)
		}
		if got, _ := rg.c.CheckRefund(ctx, req); got.Outcome != ports.OutcomeSucceeded || got.RefundRef != res.RefundRef {
			t.Fatalf("second status: %+v", got)
		}
	}
	res, _ := rg.c.SubmitRefund(ctx, ports.RefundRequest{RefundID: "ref_c", TrxID: bank, Amount: domain.MustMoney(50_01, "BDT"), Reason: "too much"})
	if res.Outcome != ports.OutcomeFailed {
		t.Fatalf("over-refund: %+v", res)
	}
	// The same refund id again is "processing" at SSLCommerz, never a second refund.
	res, _ = rg.c.SubmitRefund(ctx, ports.RefundRequest{RefundID: "ref_a", TrxID: bank, Amount: domain.MustMoney(10_00, "BDT"), Reason: "again"})
	if res.Outcome != ports.OutcomeUnknown {
		t.Fatalf("repeat: %+v", res)
	}
}

func TestCreateRefusesAmountsOutsideLimits(t *testing.T) {
	rg := newRig(t)
	for _, m := range []domain.Money{domain.MustMoney(9_99, "BDT"), domain.MustMoney(500_000_01, "BDT")} {
		if _, err := rg.c.Create(context.Background(), ports.CreateRequest{AttemptID: "att_x", Amount: m}); err == nil {
			t.Fatalf("%s accepted", m)
		}
	}
	if got := rg.sim.Stats()[sslcommerzsim.EndpointSession]; got != 0 {
		t.Fatalf("sent %d sessions", got)
	}
}
