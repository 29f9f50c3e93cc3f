package graph_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
)

// Issue 10: a retried refundPayment must not create a second refund.

func withKey(h http.Header, key string) http.Header {
	h = h.Clone()
	h.Set("Idempotency-Key", key)
	return h
}

func TestRefundPaymentIdempotencyHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_paid", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	in := map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "500"}}

	_, first := e.post(t, refundMutation, in, withKey(hdr, "retry-1"))
	_, again := e.post(t, refundMutation, in, withKey(hdr, "retry-1"))
	if len(first.Errors) != 0 || len(again.Errors) != 0 || string(first.Data) != string(again.Data) {
		t.Fatalf("replay differs:\n%s %+v\n%s %+v", first.Data, first.Errors, again.Data, again.Errors)
	}
	if jobs := e.store.refundJobs(); len(jobs) != 1 {
		t.Fatalf("%d refunds for one key: %v", len(jobs), jobs)
	}

	// The same key with another input: CONFLICT, nothing created.
	other := map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "600"}}
	_, res := e.post(t, refundMutation, other, withKey(hdr, "retry-1"))
	if errorCode(t, res) != graph.CodeConflict || res.Errors[0].Extensions["error"] != "idempotency_error" {
		t.Fatalf("reused key: %+v", res.Errors)
	}
	// Another key is another refund.
	e.post(t, refundMutation, in, withKey(hdr, "retry-2"))
	if jobs := e.store.refundJobs(); len(jobs) != 2 {
		t.Fatalf("%d refunds after a second key", len(jobs))
	}
}

func TestRefundPaymentIdempotencyInputField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_paid", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	in := map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "500", "idempotencyKey": "k1"}}
	var a, b refundResult
	e.data(t, refundMutation, in, hdr, &a)
	e.data(t, refundMutation, in, hdr, &b)
	if a.RefundPayment.Refund.ID == "" || a.RefundPayment.Refund.ID != b.RefundPayment.Refund.ID {
		t.Fatalf("refunds %q and %q for one key", a.RefundPayment.Refund.ID, b.RefundPayment.Refund.ID)
	}
	if jobs := e.store.refundJobs(); len(jobs) != 1 {
		t.Fatalf("%d refunds for one key", len(jobs))
	}
	// The header and the field must agree.
	_, res := e.post(t, refundMutation, in, withKey(hdr, "k2"))
	if errorCode(t, res) != graph.CodeValidationFailed {
		t.Fatalf("header and field differ: %+v", res.Errors)
	}
	// A key is per client: another client's same key is its own.
	if !e.idem.Held(clientA, "graphql:refundPayment:k1") {
		t.Fatalf("stored under %v", e.idem.Keys())
	}
}

// While the first call with a key runs, a duplicate is refused.
func TestRefundPaymentIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_paid", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	in := map[string]any{"in": map[string]any{"transactionId": "txn_paid", "amount": "500"}}
	// The first request holds the key (as the store sees a running one).
	e.post(t, refundMutation, in, withKey(hdr, "busy"))
	if !e.idem.Unfinish(clientA, "graphql:refundPayment:busy") {
		t.Fatal("the key was not stored")
	}
	_, res := e.post(t, refundMutation, in, withKey(hdr, "busy"))
	if errorCode(t, res) != graph.CodeConflict || res.Errors[0].Extensions["error"] != "idempotency_error" {
		t.Fatalf("duplicate while running: %+v", res.Errors)
	}
	if jobs := e.store.refundJobs(); len(jobs) != 1 {
		t.Fatalf("%d refunds", len(jobs))
	}
}
