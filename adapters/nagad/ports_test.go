package nagad_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The Client as the core uses it, through ports' interfaces only, against
// the simulator.
var (
	_ ports.CallbackVerifier = (*nagad.Client)(nil)
	_ ports.Resolver         = (*nagad.Client)(nil)
	_ ports.Refunder         = (*nagad.Client)(nil)
)

// TestSimEveryCallbackIsVerified: Nagad asks for every return to be
// confirmed, whatever status it claims.
func TestSimEveryCallbackIsVerified(t *testing.T) {
	t.Parallel()
	var gw ports.PaymentGateway = newSimEnv(t).client
	cv, ok := gw.(ports.CallbackVerifier)
	if !ok || !cv.ConfirmsEveryCallback() {
		t.Fatal("the Nagad client must confirm every callback")
	}
}

// TestSimResolveAfterForgedCallback: a forged Success callback leaves the
// attempt unknown; once the customer pays and the real callback is lost,
// reconciliation's Resolve settles it from verify alone.
func TestSimResolveAfterForgedCallback(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	var rv ports.Resolver = e.client
	att, res := e.create(t, bdt(30000))
	resp, err := http.Get(res.RedirectURL) // the customer opens the page
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	forged := map[string]string{"payment_ref_id": res.GatewayRef, "status": "Success", "status_code": "00_0000_000",
		"order_id": "whatever", "issuer_payment_ref": "FAKE0001"}
	req := ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(30000), Callback: forged}
	got, err := e.client.Confirm(ctx, req)
	if err != nil || got.Outcome != ports.OutcomeUnknown || got.TrxID != "" || got.Review != "" {
		t.Fatalf("Confirm of a forged callback = %+v, %v; want unknown", got, err)
	}
	if got, err := rv.Resolve(ctx, req); err != nil || got.Outcome != ports.OutcomeUnknown {
		t.Fatalf("Resolve before paying = %+v, %v; want unknown", got, err)
	}

	e.submit(t, res.RedirectURL, payForm("01711111111"))
	before := e.sim.Stats()[nagadsim.EndpointVerify]
	got, err = rv.Resolve(ctx, req) // the callback is ignored: verify decides
	if err != nil || got.Outcome != ports.OutcomeSucceeded || len(got.TrxID) != 8 || got.TrxID == "FAKE0001" || got.Review != "" {
		t.Fatalf("Resolve after paying = %+v, %v", got, err)
	}
	if n := e.sim.Stats()[nagadsim.EndpointVerify] - before; n != 1 {
		t.Fatalf("Resolve called verify %d times, want 1", n)
	}
}

// TestSimResolveAmountMismatchIsReviewed: reconciliation flags a Success
// for another amount, as Confirm does.
func TestSimResolveAmountMismatchIsReviewed(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	att, res, _ := e.pay(t, bdt(10000))
	got, err := e.client.Resolve(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(20000)})
	if err != nil || got.Outcome != ports.OutcomeFailed || got.Code != nagad.CodeAmountMismatch || got.Review != nagad.CodeAmountMismatch {
		t.Fatalf("Resolve = %+v, %v; want failed AMOUNT_MISMATCH for review", got, err)
	}
}

// TestSimSubmitRefundPartials: two partial refunds through ports.Refunder,
// each sent once, each with its own Nagad refund id; verify supplies the
// order, the amount paid and the date.
func TestSimSubmitRefundPartials(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	var rf ports.Refunder = e.client
	_, res, _ := e.pay(t, bdt(50000))
	var refs []string
	for _, amount := range []int64{10000, 5050} {
		got, err := rf.SubmitRefund(ctx, ports.RefundRequest{RefundID: domain.NewID(domain.PrefixRefund),
			GatewayRef: res.GatewayRef, Amount: bdt(amount), Reason: "return", PriorRefundRefs: refs})
		if err != nil || got.Outcome != ports.OutcomeSucceeded || len(got.RefundRef) != 8 {
			t.Fatalf("SubmitRefund %d = %+v, %v", amount, got, err)
		}
		refs = append(refs, got.RefundRef)
	}
	if refs[0] == refs[1] {
		t.Fatalf("two refunds share the refund id %s", refs[0])
	}
	if n := e.sim.Stats()[nagadsim.EndpointCancel]; n != 2 {
		t.Fatalf("%d cancel calls, want 2", n)
	}
	v, err := e.client.Verify(ctx, res.GatewayRef)
	if err != nil || v.Status != nagad.StatusPartialCancelled || v.CancelIssuerRefNo != refs[1] {
		t.Fatalf("verify after the refunds = %+v, %v", v, err)
	}
}

// TestSimRefundAnswerLostThenChecked: the refund happens but its answer is
// lost → unknown, sent once; CheckRefund then finds it in verify, and does
// not take an earlier refund for it.
func TestSimRefundAnswerLostThenChecked(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	_, res, _ := e.pay(t, bdt(20000))

	req := ports.RefundRequest{RefundID: "ref_lost0001", GatewayRef: res.GatewayRef, Amount: bdt(8000), Reason: "late"}
	if got, err := e.client.CheckRefund(ctx, req); err != nil || got.Outcome != ports.OutcomeFailed || got.Code != nagad.CodeNotRefunded {
		t.Fatalf("CheckRefund before any refund = %+v, %v; want failed NOT_REFUNDED", got, err)
	}

	e.sim.SetFault(nagadsim.EndpointCancel, nagadsim.Fault{Mode: nagadsim.FaultDrop, After: true, Times: 1})
	got, err := e.client.SubmitRefund(ctx, req)
	if err != nil || got != (ports.RefundResult{Outcome: ports.OutcomeUnknown}) {
		t.Fatalf("SubmitRefund with the answer lost = %+v, %v; want unknown", got, err)
	}
	got, err = e.client.CheckRefund(ctx, req)
	if err != nil || got.Outcome != ports.OutcomeSucceeded || len(got.RefundRef) != 8 {
		t.Fatalf("CheckRefund = %+v, %v; want succeeded", got, err)
	}
	if n := e.sim.Stats()[nagadsim.EndpointCancel]; n != 1 {
		t.Fatalf("%d cancel calls, want 1: a refund is never sent twice", n)
	}

	// The same refund id listed among the earlier ones is not this refund.
	req.PriorRefundRefs = []string{got.RefundRef}
	if again, err := e.client.CheckRefund(ctx, req); err != nil || again.Outcome != ports.OutcomeFailed || again.Code != nagad.CodeNotRefunded {
		t.Fatalf("CheckRefund with the refund among the earlier ones = %+v, %v", again, err)
	}
}

// TestSimSubmitRefundRefusals: Nagad's refusal is a failed refund with
// Nagad's reason; a payment verify does not know sends nothing (an error).
func TestSimSubmitRefundRefusals(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()

	_, unpaid := e.create(t, bdt(1000))
	got, err := e.client.SubmitRefund(ctx, ports.RefundRequest{RefundID: "ref_unpaid01", GatewayRef: unpaid.GatewayRef, Amount: bdt(1000)})
	if err != nil || got.Outcome != ports.OutcomeFailed || got.Code != nagad.ReasonPurchaseState || got.Message == "" {
		t.Fatalf("refund of an unpaid payment = %+v, %v; want failed %s", got, err, nagad.ReasonPurchaseState)
	}

	_, paid, _ := e.pay(t, bdt(1000))
	got, err = e.client.SubmitRefund(ctx, ports.RefundRequest{RefundID: "ref_toomuch1", GatewayRef: paid.GatewayRef, Amount: bdt(1001)})
	if err != nil || got.Outcome != ports.OutcomeFailed || got.Code != nagad.CodeRefundInvalidRequest {
		t.Fatalf("refund of more than was paid = %+v, %v; want failed %s", got, err, nagad.CodeRefundInvalidRequest)
	}

	before := e.sim.Stats()[nagadsim.EndpointCancel]
	if got, err := e.client.SubmitRefund(ctx, ports.RefundRequest{RefundID: "ref_unknown1", GatewayRef: "Ym9ndXM=", Amount: bdt(1000)}); err == nil {
		t.Fatalf("refund of a payment Nagad does not know = %+v, want an error", got)
	}
	if _, err := e.client.CheckRefund(ctx, ports.RefundRequest{GatewayRef: "Ym9ndXM="}); err == nil {
		t.Fatal("CheckRefund of a payment Nagad does not know: want an error (asked again later)")
	}
	if n := e.sim.Stats()[nagadsim.EndpointCancel] - before; n != 0 {
		t.Fatalf("%d cancel calls for refunds that were not sent", n)
	}
}
