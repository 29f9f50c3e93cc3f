package bkash_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/ports"
)

// bKash's other error shape (docs/gateways/bkash.md §10.3).
const fxErrorCode = `{"errorCode":"2056","errorMessage":"Invalid Payment State"}`

// An errorCode body at execute is bKash's answer, a refusal carrying its
// message; never "no answer", so no query (docs/gateways/bkash.md §2.7).
func TestConfirmErrorCodeBodyIsRefusal(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 400} {
		e := newEnv(t)
		e.f.answer("execute", status, fxErrorCode)
		res := confirm(t, e, confirmReq)
		wantOutcome(t, res, ports.OutcomeFailed, "", "2056")
		eq(t, "Message", res.Message, "Invalid Payment State")
		eq(t, "queries", e.f.count("query"), 0)
	}
}

func TestCreateErrorCodeBodyIsRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("create", 200, `{"errorCode":"2029","errorMessage":"Duplicate for all transactions"}`)
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: fxInvoice, Amount: bdt(25000)})
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != "2029" || ge.Message != "Duplicate for all transactions" || errors.Is(err, bkash.ErrNoAnswer) {
		t.Fatalf("err = %v, want bKash's refusal 2029 with its message", err)
	}
}

// A refund answered with an errorCode body is refused; refund status is not
// asked (that is for refunds that got no answer).
func TestRefundErrorCodeBodyIsRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("refund", 200, `{"errorCode":"2071","errorMessage":"Refund is not allowed after 15 days"}`)
	_, err := e.client.Refund(context.Background(), refundReq)
	var re *bkash.RefundError
	if !errors.As(err, &re) || re.Code != "2071" || re.Message != "Refund is not allowed after 15 days" {
		t.Fatalf("err = %v, want RefundError 2071 with bKash's message", err)
	}
	eq(t, "refund statuses", e.f.count("refund_status"), 0)
}

// The sandbox's 9999 for bad credentials has a raw newline inside a string
// (docs/gateways/bkash.md §4.4): it still decodes, as a refusal.
func TestGrant9999WithRawNewlineIsRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("grant", 200, "{\"statusCode\":\"9999\",\"statusMessage\":\"Username does\nnot exist\"}")
	_, err := e.client.Query(context.Background(), fxPaymentID)
	if !errors.Is(err, bkash.ErrNoToken) {
		t.Fatalf("err = %v, want ErrNoToken", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "9999 Username does") || strings.Contains(msg, "no answer") {
		t.Fatalf("err = %v, want bKash's 9999 refusal, not no answer", err)
	}
}
