package app_test

import (
	"time"

	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// claim returns a payment whose redirect gateway return claimed trxID
// while verify could not tell: an unresolved attempt under review.
func (e *env) claim(orderID, trxID string) (*domain.Payment, *domain.Attempt) {
	e.t.Helper()
	p := e.pay(orderID, "10")
	a := e.start(p.ID, domain.GatewayRedirectGW)
	e.redirect.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trxID,
		Review: "UNVERIFIED_CLAIM", Message: "no verify endpoint configured"}})
	if _, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess,
		Query: e.returnQuery(ports.ReturnSuccess, a, trxID)}); err != nil {
		e.t.Fatal(err)
	}
	return p, a
}

func TestReviewConfirmClaim(t *testing.T) {
	e := newEnv(t)
	p, a := e.claim("ORD-1", "RG1")
	views, err := e.app.Reviews.List(e.ctx, domain.ReviewOpen, 0)
	if err != nil || len(views) != 1 || views[0].Attempt.ID != a.ID || views[0].Payment.ID != p.ID {
		t.Fatalf("open reviews %+v %v", views, err)
	}

	e.clock.Advance(time.Hour)
	res, err := e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "ops@paycore", Note: "seen in dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "result", res.Payment.Status(), domain.StatusSuccess)
	got := e.payment(p.ID)
	wantStatus(t, "payment", got.Status(), domain.StatusSuccess)
	wantEqual(t, "trx", got.TrxID, "RG1")
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
	r := e.review(a.ID)
	wantStatus(t, "review", r.Status, domain.ReviewConfirmed)
	wantEqual(t, "by", r.DecidedBy, "ops@paycore")
	wantEqual(t, "note", r.Note, "seen in dashboard")
	wantEqual(t, "decided at", r.DecidedAt, e.clock.Now())
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess})
	wantSlice(t, "sms", templates(e.smsFor(p.ID)), []string{app.TemplateOrderPlaced, app.TemplatePaymentSuccess})

	// Deciding twice, either way.
	_, err = e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "ops"})
	wantErr(t, err, domain.ErrInvalidTransition)
	_, err = e.app.Reviews.Reject(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "ops"})
	wantErr(t, err, domain.ErrInvalidTransition)
	wantStatus(t, "review", e.review(a.ID).Status, domain.ReviewConfirmed)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)

	views, _ = e.app.Reviews.List(e.ctx, domain.ReviewOpen, 0)
	wantEqual(t, "open reviews", len(views), 0)
}

func TestReviewRejectClaim(t *testing.T) {
	e := newEnv(t)
	p, a := e.claim("ORD-1", "RG1")
	res, err := e.app.Reviews.Reject(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "ops", Note: "not at the gateway"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "result", res.Attempt.Status(), domain.AttemptFailed)
	att := e.attempt(a.ID)
	wantStatus(t, "attempt", att.Status(), domain.AttemptFailed)
	wantEqual(t, "code", att.FailureCode, app.CodeClaimRejected)
	wantEqual(t, "trx released", att.TrxID, "")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	r := e.review(a.ID)
	wantStatus(t, "review", r.Status, domain.ReviewRejected)
	wantEqual(t, "trx kept on the review", r.TrxID, "RG1")
	_, err = e.app.Reviews.Reject(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "ops"})
	wantErr(t, err, domain.ErrInvalidTransition)
	// The customer may pay again.
	e.start(p.ID, domain.GatewayBkash)
}

func TestReviewSettledAttempt(t *testing.T) {
	e := newEnv(t)
	// A DUPLICATE_TRX review: the attempt failed already.
	p1 := e.pay("ORD-1", "10")
	a1 := e.start(p1.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "SAME"}},
		confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "SAME"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a1, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayBkash)
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a2, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	_, err := e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a2.ID, By: "ops"})
	wantErr(t, err, domain.ErrInvalidTransition)
	wantStatus(t, "review", e.review(a2.ID).Status, domain.ReviewOpen)
	if _, err := e.app.Reviews.Reject(e.ctx, app.ReviewDecision{AttemptID: a2.ID, By: "ops", Note: "refunded by hand"}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "review", e.review(a2.ID).Status, domain.ReviewRejected)
	att := e.attempt(a2.ID)
	wantStatus(t, "attempt", att.Status(), domain.AttemptFailed)
	wantEqual(t, "code", att.FailureCode, domain.ReviewDuplicateTrx)
	wantStatus(t, "payment", e.payment(p2.ID).Status(), domain.StatusPending)
}

func TestReviewDecisionRefused(t *testing.T) {
	e := newEnv(t)
	_, a := e.claim("ORD-1", "RG1")
	_, err := e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: a.ID, By: "  "})
	if len(validationFields(t, err)["by"]) == 0 {
		t.Fatal("anonymous decision accepted")
	}
	_, err = e.app.Reviews.Reject(e.ctx, app.ReviewDecision{By: "ops"})
	if len(validationFields(t, err)["attempt_id"]) == 0 {
		t.Fatal("decision without an attempt accepted")
	}
	// An attempt without a review.
	p := e.pay("ORD-2", "10")
	plain := e.start(p.ID, domain.GatewayBkash)
	_, err = e.app.Reviews.Confirm(e.ctx, app.ReviewDecision{AttemptID: plain.ID, By: "ops"})
	wantErr(t, err, domain.ErrNotFound)
	wantStatus(t, "review still open", e.review(a.ID).Status, domain.ReviewOpen)
}
