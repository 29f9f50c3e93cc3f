package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func TestStartAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "250.50")
	url, err := e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayBkash)
	if err != nil {
		t.Fatal(err)
	}
	atts := e.attempts(p.ID)
	if len(atts) != 1 {
		t.Fatalf("attempts %d", len(atts))
	}
	a := atts[0]
	wantStatus(t, "attempt", a.Status(), domain.AttemptRedirected)
	wantEqual(t, "url", url, "https://gw.test/pay/"+a.ID)
	wantEqual(t, "ref", a.GatewayRef, "ref-"+a.ID)
	wantEqual(t, "signature", a.Signature, "sig-"+a.ID)
	req := e.bkash.createReqs[0]
	wantEqual(t, "create attempt id", req.AttemptID, a.ID)
	wantEqual(t, "create amount", req.Amount, domain.MustMoney(25050, "BDT"))
	wantEqual(t, "payer reference", req.PayerReference, customerPhone)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
}

func TestStartAttemptGatewayRefuses(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	e.bkash.scriptCreate(createAnswer{err: &ports.GatewayError{Gateway: domain.GatewayBkash, Code: "2001", Message: "Invalid App Key"}})
	_, err := e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayBkash)
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != "2001" || app.ErrorCode(err) != app.CodeGatewayError {
		t.Fatalf("want the gateway's refusal, got %v", err)
	}
	a := e.attempts(p.ID)[0]
	wantStatus(t, "attempt", a.Status(), domain.AttemptFailed)
	wantEqual(t, "failure code", a.FailureCode, "2001")
	wantEqual(t, "failure message", a.FailureMessage, "Invalid App Key")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	wantEqual(t, "creates", e.bkash.count("create"), 1)

	// A transport error fails the attempt too; the customer may try again.
	e.bkash.scriptCreate(createAnswer{err: errBoom})
	_, err = e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayBkash)
	wantErr(t, err, errBoom)
	wantEqual(t, "failure code", e.attempts(p.ID)[1].FailureCode, "CREATE_FAILED")
	a = e.start(p.ID, domain.GatewayBkash)
	wantStatus(t, "third attempt", a.Status(), domain.AttemptRedirected)
}

func TestStartAttemptTryNewAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	e.bkash.scriptCreate(createAnswer{err: ports.ErrTryNewAttempt})
	if _, err := e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayBkash); err != nil {
		t.Fatal(err)
	}
	atts := e.attempts(p.ID)
	if len(atts) != 2 {
		t.Fatalf("attempts %d, want 2", len(atts))
	}
	wantStatus(t, "stale attempt", atts[0].Status(), domain.AttemptFailed)
	wantStatus(t, "fresh attempt", atts[1].Status(), domain.AttemptRedirected)
	if e.bkash.createReqs[0].AttemptID == e.bkash.createReqs[1].AttemptID {
		t.Fatal("the same create sent twice")
	}

	// Refused twice: exactly one fresh attempt, then the error.
	p2 := e.pay("ORD-2", "10")
	e.bkash.scriptCreate(createAnswer{err: ports.ErrTryNewAttempt}, createAnswer{err: ports.ErrTryNewAttempt})
	_, err := e.app.Attempts.Start(e.ctx, p2.ID, domain.GatewayBkash)
	wantErr(t, err, ports.ErrTryNewAttempt)
	wantEqual(t, "attempts", len(e.attempts(p2.ID)), 2)
	wantEqual(t, "creates", e.bkash.count("create"), 4)
}

func TestStartAttemptNotPayable(t *testing.T) {
	e := newEnv(t)
	p := e.paid("ORD-1", "10")
	_, err := e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayNagad)
	wantErr(t, err, domain.ErrNotPayable)

	p2 := e.pay("ORD-2", "10")
	e.clock.Advance(24 * time.Hour)
	_, err = e.app.Attempts.Start(e.ctx, p2.ID, domain.GatewayBkash)
	wantErr(t, err, domain.ErrNotPayable)
	wantEqual(t, "attempts of the expired payment", len(e.attempts(p2.ID)), 0)

	_, err = e.app.Attempts.Start(e.ctx, "txn_missing", domain.GatewayBkash)
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Attempts.Start(e.ctx, p2.ID, "paypal")
	wantErr(t, err, domain.ErrGatewayUnavailable)
	wantEqual(t, "creates", e.bkash.count("create")+e.nagad.count("create"), 1) // the paid one's
}

func callback(g domain.Gateway, a *domain.Attempt, st app.CallbackStatus) app.CallbackInput {
	return app.CallbackInput{Gateway: g, GatewayRef: a.GatewayRef, Status: st, Signature: a.Signature,
		Params: map[string]string{"paymentID": a.GatewayRef, "status": string(st)}}
}

func TestCallbackSuccess(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "TRX1"}})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "result payment", res.Payment.Status(), domain.StatusSuccess)
	got := e.payment(p.ID)
	wantStatus(t, "payment", got.Status(), domain.StatusSuccess)
	wantEqual(t, "trx", got.TrxID, "TRX1")
	wantEqual(t, "gateway", got.Gateway, domain.GatewayBkash)
	wantEqual(t, "gateway ref", got.GatewayRef, a.GatewayRef)
	att := e.attempt(a.ID)
	wantStatus(t, "attempt", att.Status(), domain.AttemptSucceeded)
	wantEqual(t, "attempt trx", att.TrxID, "TRX1")
	wantEqual(t, "confirms", e.bkash.count("confirm"), 1)
	req := e.bkash.confirmReqs[0]
	wantEqual(t, "confirm ref", req.GatewayRef, a.GatewayRef)
	wantEqual(t, "confirm callback", req.Callback["paymentID"], a.GatewayRef)
	wantSlice(t, "sms", templates(e.smsFor(p.ID)), []string{app.TemplateOrderPlaced, app.TemplatePaymentSuccess})
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess})
	wantSlice(t, "changes", e.changes(p.ID), []domain.PaymentStatus{domain.StatusPending, domain.StatusProcessing, domain.StatusSuccess})

	// The same callback again: reported, never confirmed twice.
	res, err = e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "repeat", res.Payment.Status(), domain.StatusSuccess)
	wantEqual(t, "confirms after repeat", e.bkash.count("confirm"), 1)
	wantEqual(t, "sms after repeat", len(e.smsFor(p.ID)), 2)
	wantEqual(t, "events after repeat", len(e.events(p.ID)), 2)
}

func TestCallbackFailureAndCancelNeverConfirm(t *testing.T) {
	for _, st := range []app.CallbackStatus{app.CallbackFailure, app.CallbackCancel, "weird"} {
		t.Run(string(st), func(t *testing.T) {
			e := newEnv(t)
			p := e.pay("ORD-1", "10")
			a := e.start(p.ID, domain.GatewayBkash)
			res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, st))
			if err != nil {
				t.Fatal(err)
			}
			want := domain.AttemptFailed
			if st == app.CallbackCancel {
				want = domain.AttemptCancelled
			}
			wantStatus(t, "attempt", e.attempt(a.ID).Status(), want)
			wantStatus(t, "result attempt", res.Attempt.Status(), want)
			wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
			wantEqual(t, "confirms", e.bkash.count("confirm"), 0)
			// A success callback afterwards does not execute either.
			if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "confirms after success claim", e.bkash.count("confirm"), 0)
			// The customer may start again.
			e.start(p.ID, domain.GatewayBkash)
		})
	}
}

func TestCallbackBadSignature(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	in := callback(domain.GatewayBkash, a, app.CallbackSuccess)
	in.Signature = "forged"
	if _, err := e.app.Attempts.HandleCallback(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	att := e.attempt(a.ID)
	wantStatus(t, "attempt", att.Status(), domain.AttemptFailed)
	wantEqual(t, "failure", att.FailureCode, "BAD_SIGNATURE")
	wantEqual(t, "confirms", e.bkash.count("confirm"), 0)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
}

func TestCallbackUnknownReference(t *testing.T) {
	e := newEnv(t)
	_, err := e.app.Attempts.HandleCallback(e.ctx, app.CallbackInput{Gateway: domain.GatewayBkash, GatewayRef: "nope", Status: app.CallbackSuccess})
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Attempts.HandleCallback(e.ctx, app.CallbackInput{Gateway: "paypal", GatewayRef: "x"})
	wantErr(t, err, domain.ErrGatewayUnavailable)
}

func TestCallbackUnknownOutcome(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown}})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "result", res.Attempt.Status(), domain.AttemptUnresolved)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptUnresolved)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusProcessing)
	wantEqual(t, "sms", len(e.smsFor(p.ID)), 1)

	// A transport error is an unknown outcome as well.
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{err: errBoom})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a2, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "attempt after error", e.attempt(a2.ID).Status(), domain.AttemptUnresolved)

	// bKash: a repeated callback never executes again (only reconciliation
	// queries).
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "confirms", e.bkash.count("confirm"), 2)
	wantEqual(t, "resolves", e.bkash.count("resolve"), 0)
}

func TestCallbackGatewayRefusesConfirm(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "2023", Message: "Insufficient Balance"}})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "message", res.Attempt.FailureMessage, "Insufficient Balance")
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptFailed)
	wantStatus(t, "payment reopened", e.payment(p.ID).Status(), domain.StatusPending)
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending})
}

func TestCallbackWhileConfirmInFlight(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.ConfirmWait = time.Nanosecond })
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	var inner app.AttemptResult
	var innerErr error
	e.bkash.duringConfirm = func() {
		e.bkash.duringConfirm = nil
		inner, innerErr = e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess))
	}
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	if innerErr != nil {
		t.Fatal(innerErr)
	}
	wantStatus(t, "concurrent callback sees", inner.Attempt.Status(), domain.AttemptConfirming)
	wantEqual(t, "confirms", e.bkash.count("confirm"), 1)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
}

func TestCallbackVerifyingGatewayConfirmsEveryCallback(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayNagad)
	// The browser says failure; the gateway's verify says paid.
	e.nagad.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NG1"}})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a, app.CallbackFailure))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "payment", res.Payment.Status(), domain.StatusSuccess)
	wantEqual(t, "confirms", e.nagad.count("confirm"), 1)

	// A cancel return is verified too; verify says failed.
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayNagad)
	e.nagad.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "Aborted"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a2, app.CallbackCancel)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "confirms", e.nagad.count("confirm"), 2)
	wantStatus(t, "attempt", e.attempt(a2.ID).Status(), domain.AttemptFailed)
	wantStatus(t, "payment 2", e.payment(p2.ID).Status(), domain.StatusPending)

	// Unknown: a later callback asks again (Resolver) once the check is due.
	p3 := e.pay("ORD-3", "10")
	a3 := e.start(p3.ID, domain.GatewayNagad)
	e.nagad.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a3, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	e.nagad.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NG3"}})
	res, err = e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a3, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "payment 3", res.Payment.Status(), domain.StatusSuccess)
	wantEqual(t, "confirms", e.nagad.count("confirm"), 3)
	wantEqual(t, "resolves", e.nagad.count("resolve"), 1)
}

func TestCallbackVerifyingGatewayPaidAfterExpiry(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayNagad)
	e.clock.Advance(24 * time.Hour) // the customer paid at the gateway, came back late
	e.nagad.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NG1"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	// The payment was still pending (reconciliation had not expired it):
	// money that moved on the gateway's page settles it, even past
	// ExpiresAt; nothing is left for an operator.
	wantEqual(t, "confirms", e.nagad.count("confirm"), 1)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
	if r := e.review(a.ID); r != nil {
		t.Fatalf("review %+v", r)
	}
}

// Once the payment has expired (reconciliation ran), a verifying gateway's
// late success cannot settle it: the attempt records the money and an
// operator review says so.
func TestCallbackVerifyingGatewayPaidAfterPaymentExpired(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayNagad)
	e.clock.Advance(24 * time.Hour)
	e.nagad.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NG1"}})
	if err := e.app.Reconciler.ExpirePayment(e.ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if st := e.payment(p.ID).Status(); st == domain.StatusExpired {
		// Expired with its attempt: a late callback is a late answer.
		if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayNagad, a, app.CallbackSuccess)); err != nil {
			t.Fatal(err)
		}
		if r := e.review(a.ID); r == nil || r.Reason != domain.ReviewPaidAfterExpiry || r.TrxID != "NG1" {
			t.Fatalf("review %+v", r)
		}
	}
}

func TestCallbackNotPayableNeverExecutes(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a1 := e.start(p.ID, domain.GatewayBkash)
	a2 := e.start(p.ID, domain.GatewayBkash)
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a2, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	// The first tab comes back after the second paid.
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a1, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "confirms", e.bkash.count("confirm"), 1)
	att := e.attempt(a1.ID)
	wantStatus(t, "first attempt", att.Status(), domain.AttemptFailed)
	wantEqual(t, "failure", att.FailureCode, "NOT_PAYABLE")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
}

func TestCallbackDuplicateTrx(t *testing.T) {
	e := newEnv(t)
	p1 := e.pay("ORD-1", "10")
	a1 := e.start(p1.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "SAME"}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a1, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "SAME"}})
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a2, app.CallbackSuccess))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "second attempt", res.Attempt.Status(), domain.AttemptFailed)
	att := e.attempt(a2.ID)
	wantStatus(t, "second attempt stored", att.Status(), domain.AttemptFailed)
	wantEqual(t, "failure", att.FailureCode, domain.ReviewDuplicateTrx)
	wantEqual(t, "trx released", att.TrxID, "")
	wantStatus(t, "second payment", e.payment(p2.ID).Status(), domain.StatusPending)
	r := e.review(a2.ID)
	// The review names the transaction concerned: the operator's lead.
	if r == nil || r.Reason != domain.ReviewDuplicateTrx || r.TrxID != "SAME" || r.Status != domain.ReviewOpen {
		t.Fatalf("review %+v", r)
	}
	wantStatus(t, "first payment", e.payment(p1.ID).Status(), domain.StatusSuccess)
	wantEqual(t, "first attempt trx", e.attempt(a1.ID).TrxID, "SAME")
	wantSlice(t, "second payment events", e.events(p2.ID), []domain.EventType{domain.EventPaymentPending})
}

func TestReturnCancel(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayRedirectGW)
	res, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnCancel,
		Query: e.returnQuery(ports.ReturnCancel, a, "")})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "result", res.Attempt.Status(), domain.AttemptCancelled)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptCancelled)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	wantEqual(t, "confirms", e.redirect.count("confirm"), 0)
}

func TestReturnSuccessAndReplay(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayRedirectGW)
	e.redirect.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "RG1"}})
	q := e.returnQuery(ports.ReturnSuccess, a, "RG1")
	res, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess, Query: q})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "payment", res.Payment.Status(), domain.StatusSuccess)
	wantEqual(t, "claimed trx passed to confirm", e.redirect.confirmReqs[0].ClaimedTrxID, "RG1")
	wantEqual(t, "callback params", e.redirect.confirmReqs[0].Callback["transaction_id"], "RG1")
	wantEqual(t, "attempt trx", e.attempt(a.ID).TrxID, "RG1")
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess})

	// Replay: refused, names the attempt, changes nothing.
	res, err = e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess, Query: q})
	wantErr(t, err, app.ErrReturnUsed)
	if res.Attempt == nil || res.Attempt.ID != a.ID {
		t.Fatalf("replay result %+v", res)
	}
	wantEqual(t, "confirms", e.redirect.count("confirm"), 1)
}

func TestReturnUnverifiedClaim(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayRedirectGW)
	e.redirect.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: "RG1",
		Review: "UNVERIFIED_CLAIM", Message: "no verify endpoint"}})
	if _, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess,
		Query: e.returnQuery(ports.ReturnSuccess, a, "RG1")}); err != nil {
		t.Fatal(err)
	}
	att := e.attempt(a.ID)
	wantStatus(t, "attempt", att.Status(), domain.AttemptUnresolved)
	wantEqual(t, "held trx", att.TrxID, "RG1")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusProcessing)
	r := e.review(a.ID)
	if r == nil || r.Reason != "UNVERIFIED_CLAIM" || r.TrxID != "RG1" || r.Detail != "no verify endpoint" {
		t.Fatalf("review %+v", r)
	}
}

func TestReturnTrxReused(t *testing.T) {
	e := newEnv(t)
	p1 := e.pay("ORD-1", "10")
	a1 := e.start(p1.ID, domain.GatewayRedirectGW)
	e.redirect.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "RG1"}})
	if _, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess,
		Query: e.returnQuery(ports.ReturnSuccess, a1, "RG1")}); err != nil {
		t.Fatal(err)
	}
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayRedirectGW)
	_, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess,
		Query: e.returnQuery(ports.ReturnSuccess, a2, "RG1")})
	wantErr(t, err, app.ErrTrxReused)
	wantEqual(t, "code", app.ErrorCode(err), app.CodeConflict)
	wantStatus(t, "second attempt untouched", e.attempt(a2.ID).Status(), domain.AttemptRedirected)
	wantStatus(t, "second payment", e.payment(p2.ID).Status(), domain.StatusPending)
	wantEqual(t, "confirms", e.redirect.count("confirm"), 1)
}

func TestReturnRefused(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayRedirectGW)
	ret := func(kind ports.ReturnKind, q map[string][]string) error {
		_, err := e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: kind, Query: q})
		return err
	}
	forged := e.returnQuery(ports.ReturnSuccess, a, "RG1")
	forged["sig"] = []string{"bad"}
	wantErr(t, ret(ports.ReturnSuccess, forged), ports.ErrBadReturn)
	// A cancel return replayed at the success route.
	wantErr(t, ret(ports.ReturnSuccess, e.returnQuery(ports.ReturnCancel, a, "")), ports.ErrBadReturn)
	// A return for another amount.
	other := e.returnQuery(ports.ReturnSuccess, a, "RG1")
	other["amount"] = []string{"1"}
	wantErr(t, ret(ports.ReturnSuccess, other), ports.ErrBadReturn)
	expired := e.returnQuery(ports.ReturnSuccess, a, "RG1")
	e.clock.Advance(11 * time.Minute)
	err := ret(ports.ReturnSuccess, expired)
	wantErr(t, err, ports.ErrReturnExpired)
	wantEqual(t, "code", app.ErrorCode(err), app.CodeForbidden)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptRedirected)
	wantEqual(t, "confirms", e.redirect.count("confirm"), 0)

	// A gateway without signed returns.
	_, err = e.app.Attempts.HandleReturn(e.ctx, app.ReturnInput{Gateway: "paypal"})
	wantErr(t, err, domain.ErrGatewayUnavailable)
	e2 := newEnv(t, func(_ *app.Config, d *app.Deps) {
		d.Gateways = []ports.PaymentGateway{bareGateway{newFakeGateway(domain.GatewayRedirectGW)}}
	})
	_, err = e2.app.Attempts.HandleReturn(e2.ctx, app.ReturnInput{Gateway: domain.GatewayRedirectGW, Kind: ports.ReturnSuccess})
	wantErr(t, err, domain.ErrNotFound)
}
