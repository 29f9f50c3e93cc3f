package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// An answer that settles nothing and forbids asking again (bKash execute
// answering 2117: docs/gateways/bkash.md §2.7) leaves the attempt unresolved
// with an open review, and neither reconciliation nor Reconciler.Resolve
// (gateway webhooks) ever calls the Resolver for it; the review settles it.
func TestAwaitOperatorIsNeverResolved(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Code: "2117",
		Review: "EXECUTE_ALREADY_DONE", AwaitOperator: true, Message: "execute of " + a.GatewayRef + " answered 2117"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	got := e.attempt(a.ID)
	wantStatus(t, "attempt", got.Status(), domain.AttemptUnresolved)
	wantEqual(t, "awaiting operator", got.AwaitingOperator(), true)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusProcessing)
	rs, err := e.app.Reviews.List(e.ctx, domain.ReviewOpen, 10)
	if err != nil || len(rs) != 1 || rs[0].Review.Reason != "EXECUTE_ALREADY_DONE" || rs[0].Review.AttemptID != a.ID {
		t.Fatalf("reviews %+v %v, want one EXECUTE_ALREADY_DONE review", rs, err)
	}

	for range 5 {
		e.clock.Advance(2 * time.Hour)
		wantEqual(t, "report", e.run(), app.ReconcileReport{})
	}
	if settled, err := e.app.Reconciler.Resolve(e.ctx, a.ID); err != nil || settled {
		t.Fatalf("Resolve = %v, %v; want not settled, no error", settled, err)
	}
	wantEqual(t, "resolves", e.bkash.count("resolve"), 0)

	res, err := e.app.Reviews.Reject(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "op", Note: "not in the merchant portal"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "attempt after reject", res.Attempt.Status(), domain.AttemptFailed)
	wantStatus(t, "payment after reject", res.Payment.Status(), domain.StatusPending)
}

// A confirm that never reached the gateway (bKash: no id_token while its
// token calls back off) fails the attempt with a message; nothing is left
// for reconciliation to query (docs/gateways/bkash.md §2.7, §4.3).
func TestConfirmNotSentFailsTheAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{err: fmt.Errorf("bkash execute: not sent: %w", ports.ErrNotSent)})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "attempt", res.Attempt.Status(), domain.AttemptFailed)
	wantEqual(t, "code", res.Attempt.FailureCode, app.CodeGatewayNotSent)
	wantStatus(t, "payment", res.Payment.Status(), domain.StatusPending)
	if res.Attempt.FailureMessage == "" {
		t.Fatal("no message for the customer")
	}
	wantEqual(t, "report", e.run(), app.ReconcileReport{})
	wantEqual(t, "resolves", e.bkash.count("resolve"), 0)
}

// An operator who found the payment at bKash confirms the review with its
// trxID: the attempt succeeds with it.
func TestAwaitOperatorConfirmedWithTrx(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Code: "2117",
		Review: "EXECUTE_ALREADY_DONE", AwaitOperator: true, Message: "answered 2117"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "op"}); err == nil {
		t.Fatal("confirmed without a transaction")
	}
	res, err := e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "op", TrxID: "CKQ70ZB4TM"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "attempt", res.Attempt.Status(), domain.AttemptSucceeded)
	wantStatus(t, "payment", res.Payment.Status(), domain.StatusSuccess)
	wantEqual(t, "trx", res.Payment.TrxID, "CKQ70ZB4TM")
}
