package bkash_test

import (
	"context"
	"testing"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/ports"
)

func TestV2BaseURL(t *testing.T) {
	t.Parallel()
	eq(t, "sandbox", bkash.V2BaseURL("https://tokenized.sandbox.bka.sh/v1.2.0-beta/tokenized/checkout/"),
		"https://tokenized.sandbox.bka.sh/v2/tokenized-checkout")
	eq(t, "other", bkash.V2BaseURL("https://example.test/api"), "")
}

// TestSimulatorRefundV2: ports.Refunder through the v2 refund API:
// repeated partial refunds, a lost answer settled by v2 refund status (never
// sent twice), a refusal with bKash's code and message, and a status check
// for a refund bKash never made.
func TestSimulatorRefundV2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSimEnvWith(t, nil, nil)
	g, err := s.client.WithRefundV2("")
	if err != nil {
		t.Fatal(err)
	}
	var _ ports.PaymentGateway = g // still the whole gateway

	res, _ := s.pay(t, "att_v2", bdt(25000), "01770618575")
	out, err := g.Confirm(ctx, ports.ConfirmRequest{AttemptID: "att_v2", GatewayRef: res.GatewayRef, Amount: bdt(25000)})
	if err != nil || out.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("Confirm = %+v, %v", out, err)
	}
	req := func(id string, paisa int64, prior ...string) ports.RefundRequest {
		return ports.RefundRequest{RefundID: id, GatewayRef: res.GatewayRef, TrxID: out.TrxID, Amount: bdt(paisa),
			Reason: "customer return", PriorRefundRefs: prior}
	}

	r1, err := g.SubmitRefund(ctx, req("ref_1", 10000))
	if err != nil || r1.Outcome != ports.OutcomeSucceeded || r1.RefundRef == "" {
		t.Fatalf("first refund = %+v, %v", r1, err)
	}
	r2, err := g.SubmitRefund(ctx, req("ref_2", 5000, r1.RefundRef))
	if err != nil || r2.Outcome != ports.OutcomeSucceeded || r2.RefundRef == r1.RefundRef {
		t.Fatalf("second refund = %+v, %v", r2, err)
	}

	// The third refund's answer is lost after the money moved: v2 refund
	// status finds it; it is not submitted again.
	s.sim.SetFault(bkashsim.EndpointRefundV2, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	r3, err := g.SubmitRefund(ctx, req("ref_3", 2500, r1.RefundRef, r2.RefundRef))
	if err != nil || r3.Outcome != ports.OutcomeSucceeded || r3.RefundRef == "" || r3.RefundRef == r1.RefundRef || r3.RefundRef == r2.RefundRef {
		t.Fatalf("refund after a lost answer = %+v, %v", r3, err)
	}
	eq(t, "v2 refunds sent", s.stat(bkashsim.EndpointRefundV2), 3)
	eq(t, "v2 refund statuses", s.stat(bkashsim.EndpointRefundStatusV2), 1)
	eq(t, "v1 refunds sent", s.stat(bkashsim.EndpointRefund)+s.stat(bkashsim.EndpointRefundStatus), 0)
	if p, _ := s.sim.Payment(res.GatewayRef); p.RefundedPaisa != 17500 || p.Refunds != 3 {
		t.Fatalf("simulator refunded %d paisa in %d refunds, want 17500 in 3", p.RefundedPaisa, p.Refunds)
	}

	// More than what is left: bKash's refusal, failed with its code.
	r4, err := g.SubmitRefund(ctx, req("ref_4", 7501, r1.RefundRef, r2.RefundRef, r3.RefundRef))
	if err != nil || r4.Outcome != ports.OutcomeFailed || r4.Code != "2072" || r4.Message != "Refund amount not valid" {
		t.Fatalf("over-refund = %+v, %v; want failed 2072", r4, err)
	}

	// Status of a refund bKash never made (the submit was never heard):
	// failed, nothing refunded. The status of a made one: succeeded.
	c, err := g.CheckRefund(ctx, req("ref_5", 100, r1.RefundRef, r2.RefundRef, r3.RefundRef))
	if err != nil || c.Outcome != ports.OutcomeFailed || c.Code != "NOT_REFUNDED" {
		t.Fatalf("CheckRefund of a refund never made = %+v, %v", c, err)
	}
	c, err = g.CheckRefund(ctx, req("ref_2", 5000, r1.RefundRef))
	if err != nil || c.Outcome != ports.OutcomeSucceeded || c.RefundRef != r2.RefundRef {
		t.Fatalf("CheckRefund of ref_2 = %+v, %v; want %s", c, err, r2.RefundRef)
	}
}
