package nagad_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// TestSimPaySucceeds: initialize + complete → the customer pays on the page
// → Nagad's return parameters → Confirm verifies and succeeds.
func TestSimPaySucceeds(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	att, res, q := e.pay(t, bdt(125000))

	if !strings.HasPrefix(res.RedirectURL, e.public+"/check-out/") {
		t.Errorf("RedirectURL = %q, want the simulator's payment page", res.RedirectURL)
	}
	orderID, _ := nagad.OrderID(att)
	for k, want := range map[string]string{
		"merchant": e.creds.MerchantID, "order_id": orderID, "payment_ref_id": res.GatewayRef,
		"status": "Success", "status_code": "00_0000_000", "message": "Successful Transaction",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("callback %s = %q, want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^\d{14}$`).MatchString(q.Get("payment_dt")) || len(q.Get("issuer_payment_ref")) != 8 {
		t.Errorf("payment_dt %q, issuer_payment_ref %q", q.Get("payment_dt"), q.Get("issuer_payment_ref"))
	}

	got, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(125000), Callback: callback(q)})
	if err != nil {
		t.Fatal(err)
	}
	want := ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: q.Get("issuer_payment_ref")}
	if got != want {
		t.Fatalf("Confirm = %+v, want %+v", got, want)
	}
	st := e.sim.Stats()
	if st[nagadsim.EndpointInitialize] != 1 || st[nagadsim.EndpointComplete] != 1 || st[nagadsim.EndpointVerify] != 1 {
		t.Errorf("stats = %v, want one initialize, complete and verify", st)
	}

	v, err := e.client.Verify(ctx, res.GatewayRef)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != nagad.StatusSuccess || v.OrderID != orderID || !v.Amount.Equal(bdt(125000)) ||
		v.IssuerPaymentRefNo != want.TrxID || v.ClientMobileNo != "017****1111" || v.IssuerPaymentDateTime.IsZero() {
		t.Errorf("Verify = %+v", v)
	}
}

// TestSimCancelIsFailed: the customer cancels on the page → Aborted →
// OutcomeFailed with the status as code.
func TestSimCancelIsFailed(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res := e.create(t, bdt(49950))
	q := e.submit(t, res.RedirectURL, map[string][]string{"action": {"cancel"}})
	if q.Get("status") != "Aborted" || q.Get("payment_ref_id") != res.GatewayRef {
		t.Fatalf("callback = %v", q)
	}
	got, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(49950), Callback: callback(q)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != ports.OutcomeFailed || got.Code != "Aborted" || got.Message == "" {
		t.Fatalf("Confirm = %+v, want failed Aborted with a message", got)
	}
}

// TestSimOverLimitIsFailed: the page refuses an amount over the limit with
// status Failed; Confirm fails with Code "Failed".
func TestSimOverLimitIsFailed(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	amount := bdt(nagadsim.DefaultTransactionLimit + 100)
	att, res, q := e.pay(t, amount)
	if q.Get("status") != "Failed" || q.Get("status_code") != nagadsim.CodeOverLimit || q.Get("issuer_payment_ref") != "" {
		t.Fatalf("callback = %v", q)
	}
	got, _ := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: amount, Callback: callback(q)})
	if got.Outcome != ports.OutcomeFailed || got.Code != "Failed" {
		t.Fatalf("Confirm = %+v", got)
	}
}

// TestSimForgedCallbackNeverSucceeds: the callback's claims are ignored;
// verify decides (docs/gateways/nagad.md §7.5).
func TestSimForgedCallbackNeverSucceeds(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	att, res := e.create(t, bdt(100000)) // not paid

	t.Run("bogus payment_ref_id on an unpaid attempt", func(t *testing.T) {
		forged := map[string]string{"status": "Success", "status_code": "00_0000_000", "payment_ref_id": "Ym9ndXM=", "issuer_payment_ref": "0000FAKE"}
		got, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(100000), Callback: forged})
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != ports.OutcomeUnknown {
			t.Fatalf("Confirm = %+v, want unknown (the payment is still Ready)", got)
		}
		if !strings.Contains(e.logs.String(), "callback names another payment_ref_id") {
			t.Error("forged reference not logged")
		}
	})
	t.Run("bogus payment_ref_id without a stored reference", func(t *testing.T) {
		forged := map[string]string{"status": "Success", "payment_ref_id": "Ym9ndXM="}
		got, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, Amount: bdt(100000), Callback: forged})
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != ports.OutcomeFailed || got.Code != nagad.ReasonInvalidPaymentRef {
			t.Fatalf("Confirm = %+v, want failed 16_0006_055", got)
		}
	})
	t.Run("another order's real paid reference replayed", func(t *testing.T) {
		_, paid, q := e.pay(t, bdt(100))
		forged := callback(q) // a real Success callback, but for another (cheap) order
		got, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, Amount: bdt(100000), Callback: forged})
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != ports.OutcomeFailed || got.Code != nagad.CodeOrderMismatch || got.Review != nagad.CodeOrderMismatch {
			t.Fatalf("Confirm = %+v, want failed ORDER_MISMATCH for review", got)
		}
		if forged["payment_ref_id"] != paid.GatewayRef {
			t.Fatal("test set-up: callback is not the paid order's")
		}
	})
}

// TestSimAmountMismatch: Nagad says Success for another amount than the
// attempt's → failed with CodeAmountMismatch, logged for an operator.
func TestSimAmountMismatch(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res, q := e.pay(t, bdt(100000))
	got, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(200000), Callback: callback(q)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != ports.OutcomeFailed || got.Code != nagad.CodeAmountMismatch || got.Review != nagad.CodeAmountMismatch || !strings.Contains(got.Message, "1000") {
		t.Fatalf("Confirm = %+v, want failed AMOUNT_MISMATCH for review, naming the amounts", got)
	}
	if !strings.Contains(e.logs.String(), "level=ERROR") {
		t.Error("mismatch not logged at error level")
	}
}

// TestSimTransientIsUnknown: a payment the customer has opened but not
// finished is unknown; once paid, the same Confirm succeeds (reconciliation).
func TestSimTransientIsUnknown(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res := e.create(t, bdt(5000))
	resp, err := http.Get(res.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	req := ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(5000)}
	got, _ := e.client.Confirm(context.Background(), req)
	if got.Outcome != ports.OutcomeUnknown || !strings.Contains(got.Message, "InProgress") {
		t.Fatalf("Confirm = %+v, want unknown (InProgress)", got)
	}
	e.submit(t, res.RedirectURL, payForm("01911111111"))
	if got, _ := e.client.Confirm(context.Background(), req); got.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("Confirm after paying = %+v", got)
	}
}

// TestSimRefundPartialThenFull: two partial refunds up to the amount paid,
// then nothing is left to refund.
func TestSimRefundPartialThenFull(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	att, res, _ := e.pay(t, bdt(125000))
	req := nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att, OriginalAmount: bdt(125000),
		Amount: bdt(25000), ReferenceNo: domain.NewID(domain.PrefixRefund), Reason: "Partial return"}

	r1, err := e.client.Refund(ctx, req)
	if err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	if r1.Status != nagad.StatusPartialRefunded || !r1.CancelAmount.Equal(bdt(25000)) || !r1.OriginalAmount.Equal(bdt(125000)) || len(r1.CancelTrxID) != 8 || r1.Code != "000" {
		t.Fatalf("partial refund = %+v", r1)
	}
	v, _ := e.client.Verify(ctx, res.GatewayRef)
	if v.Status != nagad.StatusPartialCancelled || v.CancelIssuerRefNo != r1.CancelTrxID || v.CancelIssuerDateTime.IsZero() {
		t.Fatalf("verify after partial refund = %+v", v)
	}

	t.Run("more than is left is refused", func(t *testing.T) {
		over := req
		over.Amount, over.ReferenceNo = bdt(100001), domain.NewID(domain.PrefixRefund)
		_, err := e.client.Refund(ctx, over)
		var ge *ports.GatewayError
		if !errors.Is(err, nagad.ErrInvalidData) || !errors.As(err, &ge) || ge.Code != nagad.ReasonInvalidRequest {
			t.Fatalf("err = %v", err)
		}
	})

	// The rest.
	rest := req
	rest.Amount, rest.ReferenceNo = bdt(100000), domain.NewID(domain.PrefixRefund)
	r2, err := e.client.Refund(ctx, rest)
	if err != nil {
		t.Fatalf("full refund: %v", err)
	}
	if r2.Status != nagad.StatusRefunded || !r2.CancelAmount.Equal(bdt(100000)) || r2.CancelTrxID == r1.CancelTrxID {
		t.Fatalf("second refund = %+v", r2)
	}
	if v, _ := e.client.Verify(ctx, res.GatewayRef); v.Status != nagad.StatusCancelled {
		t.Fatalf("verify after full refund: %s", v.Status)
	}
	_, err = e.client.Refund(ctx, rest)
	if !errors.Is(err, nagad.ErrPaymentState) {
		t.Fatalf("refund of a fully refunded payment: err = %v, want ErrPaymentState", err)
	}
}

// TestSimRefundFull refunds everything at once.
func TestSimRefundFull(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res, _ := e.pay(t, bdt(99999))
	r, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att,
		OriginalAmount: bdt(99999), Amount: bdt(99999), ReferenceNo: "ref_FULL1", Reason: strings.Repeat("অর্থ ফেরত ", 40)})
	if err != nil {
		t.Fatalf("refund with a long Bengali reason: %v", err)
	}
	if r.Status != nagad.StatusRefunded {
		t.Fatalf("refund = %+v", r)
	}
}

// TestSimRefundUnpaid: refunding a payment that was never paid is refused
// with 16_0006_017.
func TestSimRefundUnpaid(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res := e.create(t, bdt(1000))
	_, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att,
		OriginalAmount: bdt(1000), Amount: bdt(1000), ReferenceNo: "ref_x1"})
	var ne *nagad.Error
	if !errors.As(err, &ne) || ne.Reason != nagad.ReasonPurchaseState || !errors.Is(err, nagad.ErrPaymentState) {
		t.Fatalf("err = %v", err)
	}
}

// TestSimRefundNoAnswer: the refund happens but its answer is lost → an
// error matching ErrNoAnswer; verify shows the refund.
func TestSimRefundNoAnswer(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res, _ := e.pay(t, bdt(20000))
	e.sim.SetFault(nagadsim.EndpointCancel, nagadsim.Fault{Mode: nagadsim.FaultDrop, After: true, Times: 1})
	_, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att,
		OriginalAmount: bdt(20000), Amount: bdt(5000), ReferenceNo: "ref_lost1"})
	if !errors.Is(err, nagad.ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer", err)
	}
	if c := e.calls.last(); c.Op != nagad.OpRefund || c.Outcome != nagad.CallNoAnswer {
		t.Errorf("observed %+v", c)
	}
	v, _ := e.client.Verify(context.Background(), res.GatewayRef)
	if v.Status != nagad.StatusPartialCancelled || v.CancelIssuerRefNo == "" {
		t.Fatalf("verify = %+v, want the refund recorded", v)
	}
}

// TestSimErrorsMapped provokes, against the simulator, each refusal a
// client can run into and checks the typed error.
func TestSimErrorsMapped(t *testing.T) {
	t.Parallel()
	v := loadSandbox(t) // Nagad's real sandbox keys: not the simulator's
	stripHeader := func(name string) func(*nagad.Config) {
		return func(c *nagad.Config) {
			c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Del(name)
				return http.DefaultTransport.RoundTrip(r)
			})}
		}
	}
	cases := []struct {
		name   string
		mutate func(*nagad.Config)
		setup  func(e *simEnv) string // returns an attempt ID to create
		reason string
		class  error
	}{
		{"unknown merchant", func(c *nagad.Config) { c.MerchantID = "683002007104225" }, nil, nagad.ReasonMerchantIDInvalid, nagad.ErrConfig},
		{"merchant key not the registered one", func(c *nagad.Config) { c.MerchantPrivateKey = v.MerchantPrivateKey }, nil, nagad.ReasonSignature, nagad.ErrConfig},
		{"PG key of another environment", func(c *nagad.Config) { c.PGPublicKey = v.PGPublicKey }, nil, nagad.ReasonDecryptionFailed, nagad.ErrConfig},
		{"header missing", stripHeader("X-KM-Client-Type"), nil, nagad.ReasonHeaderMissing, nagad.ErrConfig},
		{"clock an hour behind", nil, nil, nagad.ReasonDateTimeWindow, nagad.ErrDateTime},
		{"same attempt initialized twice the same day", nil, func(e *simEnv) string {
			att := newAttempt()
			if _, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: att, Amount: bdt(100)}); err != nil {
				t.Fatal(err)
			}
			return att
		}, nagad.ReasonDuplicateOrderID, nagad.ErrDuplicateOrder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var muts []func(*nagad.Config)
			if tc.mutate != nil {
				muts = append(muts, tc.mutate)
			}
			var skewed *portstest.Clock
			if tc.reason == nagad.ReasonDateTimeWindow {
				skewed = portstest.NewClock(t0.Add(-time.Hour))
				muts = append(muts, func(c *nagad.Config) { c.Clock = skewed })
			}
			e := newSimEnv(t, muts...)
			att := newAttempt()
			if tc.setup != nil {
				if a := tc.setup(e); a != "" {
					att = a
				}
			}
			_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: att, Amount: bdt(100)})
			var ne *nagad.Error
			if !errors.As(err, &ne) || ne.Reason != tc.reason {
				t.Fatalf("err = %v, want reason %s", err, tc.reason)
			}
			if !errors.Is(err, tc.class) {
				t.Errorf("err = %v does not match %v", err, tc.class)
			}
			var ge *ports.GatewayError
			if !errors.As(err, &ge) || ge.Code != tc.reason || ge.Gateway != domain.GatewayNagad || ge.Message == "" {
				t.Errorf("GatewayError = %+v", ge)
			}
			if c := e.calls.last(); c.Outcome != nagad.CallRefused || c.HTTPStatus != http.StatusBadRequest {
				t.Errorf("observed %+v", c)
			}
		})
	}

	t.Run("unknown reference", func(t *testing.T) {
		t.Parallel()
		e := newSimEnv(t)
		_, err := e.client.Verify(context.Background(), "MDExNDE1+/unknown==")
		if !errors.Is(err, nagad.ErrUnknownPayment) {
			t.Fatalf("err = %v", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSimWAFPage: the firewall's HTML page instead of JSON is a
// configuration error carrying the Support ID; on verify, Confirm says
// unknown.
func TestSimWAFPage(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	e.sim.SetFault(nagadsim.EndpointInitialize, nagadsim.Fault{Mode: nagadsim.FaultHTML, Times: 1})
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: newAttempt(), Amount: bdt(100)})
	var re *nagad.RejectedError
	if !errors.As(err, &re) || !errors.Is(err, nagad.ErrConfig) {
		t.Fatalf("err = %v, want a RejectedError (ErrConfig)", err)
	}
	if !regexp.MustCompile(`^\d{19}$`).MatchString(re.SupportID) || !strings.Contains(err.Error(), "Support ID: "+re.SupportID) ||
		!strings.Contains(err.Error(), "whitelist") {
		t.Errorf("err = %q, SupportID %q", err, re.SupportID)
	}
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != nagad.CodeRequestRejected || !strings.Contains(ge.Message, re.SupportID) {
		t.Errorf("GatewayError = %+v", ge)
	}
	if c := e.calls.last(); c.Outcome != nagad.CallRefused || c.HTTPStatus != 200 {
		t.Errorf("observed %+v", c)
	}

	att, res, q := e.pay(t, bdt(100))
	e.sim.SetFault(nagadsim.EndpointVerify, nagadsim.Fault{Mode: nagadsim.FaultHTML, Times: 1})
	got, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(100), Callback: callback(q)})
	if err != nil || got.Outcome != ports.OutcomeUnknown {
		t.Fatalf("Confirm = %+v, %v; want unknown", got, err)
	}
	if !strings.Contains(e.logs.String(), "Support ID") {
		t.Error("Support ID not logged")
	}
}

// TestSimFaultsAreUnknown: whatever keeps verify's answer away, Confirm
// says unknown, never failed; once the fault is gone it succeeds.
func TestSimFaultsAreUnknown(t *testing.T) {
	t.Parallel()
	faults := map[string]nagadsim.Fault{
		"no answer": {Mode: nagadsim.FaultNoAnswer},
		"slow":      {Delay: 1500 * time.Millisecond},
		"503":       {Mode: nagadsim.Fault503},
		"drop":      {Mode: nagadsim.FaultDrop},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t, func(c *nagad.Config) { c.Timeout = 500 * time.Millisecond })
			att, res, q := e.pay(t, bdt(100))
			e.sim.SetFault(nagadsim.EndpointVerify, f)
			req := ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(100), Callback: callback(q)}
			got, err := e.client.Confirm(context.Background(), req)
			if err != nil || got.Outcome != ports.OutcomeUnknown {
				t.Fatalf("Confirm = %+v, %v; want unknown", got, err)
			}
			if c := e.calls.last(); c.Op != nagad.OpVerify || c.Outcome != nagad.CallNoAnswer {
				t.Errorf("observed %+v", c)
			}
			e.sim.ClearFaults()
			if got, _ := e.client.Confirm(context.Background(), req); got.Outcome != ports.OutcomeSucceeded {
				t.Fatalf("Confirm after the fault = %+v", got)
			}
		})
	}
}

// TestSimCreateNoAnswer: initialize or complete unheard → ErrNoAnswer.
func TestSimCreateNoAnswer(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{nagadsim.EndpointInitialize, nagadsim.EndpointComplete} {
		t.Run(ep, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t)
			e.sim.SetFault(ep, nagadsim.Fault{Mode: nagadsim.Fault503})
			_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: newAttempt(), Amount: bdt(100)})
			if !errors.Is(err, nagad.ErrNoAnswer) || !strings.Contains(err.Error(), "HTTP 503") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestSimLegacyContextPath: a base URL with the older sandbox's context
// path works too.
func TestSimLegacyContextPath(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	c, err := nagad.New(nagad.Config{BaseURL: e.public + nagadsim.LegacyAPIPrefix, MerchantID: e.creds.MerchantID,
		MerchantPrivateKey: e.creds.MerchantPrivateKey, PGPublicKey: e.creds.PGPublicKey, CallbackURL: callbackURL, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), ports.CreateRequest{AttemptID: newAttempt(), Amount: bdt(100)}); err != nil {
		t.Fatal(err)
	}
}

// TestSimRefundOfAnEarlierDay: a payment made one day is refunded on a
// later one. originalRequestDate is the refund's own Dhaka date (Nagad's
// sample: "Change date to the current date"), which the simulator
// requires; the payment's date is refused (docs/gateways/nagad.md §8.2).
func TestSimRefundOfAnEarlierDay(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res, _ := e.pay(t, bdt(50000)) // 2025-01-14 15:30 in Dhaka
	// 2025-01-15 00:00:30 in Dhaka: past midnight, the next day.
	e.clock.Set(time.Date(2025, 1, 14, 18, 0, 30, 0, time.UTC))
	r, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att,
		OriginalAmount: bdt(50000), Amount: bdt(20000), ReferenceNo: "ref_nextday1"})
	if err != nil {
		t.Fatalf("refund the next day: %v", err)
	}
	if r.Status != nagad.StatusPartialRefunded || !r.CancelAmount.Equal(bdt(20000)) {
		t.Fatalf("refund = %+v", r)
	}
	// A week later, through the port: verify supplies order and amount.
	e.clock.Advance(7 * 24 * time.Hour)
	out, err := e.client.SubmitRefund(context.Background(), ports.RefundRequest{RefundID: "ref_nextweek1", GatewayRef: res.GatewayRef, Amount: bdt(30000)})
	if err != nil || out.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("SubmitRefund a week later = %+v, %v", out, err)
	}
}
