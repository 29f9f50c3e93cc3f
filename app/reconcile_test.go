package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// unresolved returns a payment whose bkash attempt's execute got no answer.
func (e *env) unresolved(orderID string) (*domain.Payment, *domain.Attempt) {
	e.t.Helper()
	p := e.pay(orderID, "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.bkash.scriptConfirm(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeUnknown}})
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		e.t.Fatal(err)
	}
	if st := e.attempt(a.ID).Status(); st != domain.AttemptUnresolved {
		e.t.Fatalf("attempt %s", st)
	}
	return p, a
}

func (e *env) run() app.ReconcileReport {
	e.t.Helper()
	rep, err := e.app.Reconciler.Run(e.ctx)
	if err != nil {
		e.t.Fatalf("reconcile: %v", err)
	}
	return rep
}

func TestReconcileResolvesUnresolved(t *testing.T) {
	e := newEnv(t)
	p, a := e.unresolved("ORD-1")
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "Q1"}})
	rep := e.run()
	wantEqual(t, "report", rep, app.ReconcileReport{Resolved: 1})
	wantEqual(t, "resolve ref", e.bkash.resolveReqs[0].GatewayRef, a.GatewayRef)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
	got := e.payment(p.ID)
	wantStatus(t, "payment", got.Status(), domain.StatusSuccess)
	wantEqual(t, "trx", got.TrxID, "Q1")
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess})
	wantSlice(t, "sms", templates(e.smsFor(p.ID)), []string{app.TemplateOrderPlaced, app.TemplatePaymentSuccess})
	// Nothing left to do.
	wantEqual(t, "second pass", e.run(), app.ReconcileReport{})
	wantEqual(t, "resolves", e.bkash.count("resolve"), 1)
	wantEqual(t, "confirms", e.bkash.count("confirm"), 1)
}

func TestReconcileResolvedFailed(t *testing.T) {
	e := newEnv(t)
	p, a := e.unresolved("ORD-1")
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "2056", Message: "Invalid Payment State"}})
	wantEqual(t, "report", e.run(), app.ReconcileReport{Resolved: 1})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptFailed)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
}

func TestReconcileBackoff(t *testing.T) {
	e := newEnv(t)
	_, a := e.unresolved("ORD-1")
	at := e.clock.Now()
	for i, wait := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		wait *= time.Minute
		rep := e.run()
		wantEqual(t, "report", rep, app.ReconcileReport{StillUnknown: 1})
		got := e.attempt(a.ID)
		wantEqual(t, "checks", got.Checks, i+1)
		wantEqual(t, "next check", got.NextCheckAt, at.Add(wait))
		wantStatus(t, "attempt", got.Status(), domain.AttemptUnresolved)
		// Not due a second before: not asked.
		e.clock.Set(at.Add(wait - time.Second))
		wantEqual(t, "early pass", e.run(), app.ReconcileReport{})
		wantEqual(t, "resolves", e.bkash.count("resolve"), i+1)
		at = at.Add(wait)
		e.clock.Set(at)
	}
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "LATE"}})
	wantEqual(t, "report", e.run(), app.ReconcileReport{Resolved: 1})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
}

func TestReconcileResolverErrorIsUnknown(t *testing.T) {
	e := newEnv(t)
	_, a := e.unresolved("ORD-1")
	e.bkash.scriptResolve(confirmAnswer{err: errBoom})
	wantEqual(t, "report", e.run(), app.ReconcileReport{StillUnknown: 1})
	wantEqual(t, "checks", e.attempt(a.ID).Checks, 1)
}

func TestReconcileGatewayWithoutResolver(t *testing.T) {
	gw := newFakeGateway(domain.GatewayBkash)
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Gateways = []ports.PaymentGateway{bareGateway{gw}} })
	e.bkash = gw
	_, a := e.unresolved("ORD-1")
	_, err := e.app.Reconciler.Run(e.ctx)
	if err == nil {
		t.Fatal("an attempt no gateway can resolve reported as fine")
	}
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptUnresolved)
}

func TestReconcileExpiresAbandonedAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.clock.Advance(30 * time.Minute)
	wantEqual(t, "at the TTL", e.run(), app.ReconcileReport{})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptRedirected)
	e.clock.Advance(time.Second)
	wantEqual(t, "after the TTL", e.run(), app.ReconcileReport{AttemptsExpired: 1})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptExpired)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	wantEqual(t, "gateway calls", e.bkash.count("confirm")+e.bkash.count("resolve"), 0)
	// The customer's late callback changes nothing.
	if _, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, a, app.CallbackSuccess)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "confirms", e.bkash.count("confirm"), 0)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptExpired)
}

func TestReconcileCustomAttemptTTL(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.AttemptTTL = 5 * time.Minute })
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	e.clock.Advance(5*time.Minute + time.Second)
	wantEqual(t, "report", e.run(), app.ReconcileReport{AttemptsExpired: 1})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptExpired)
}

func TestReconcileExpiresPayment(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	e.clock.Advance(24*time.Hour - time.Second)
	wantEqual(t, "before expiry", e.run(), app.ReconcileReport{})
	// A fresh attempt (not abandoned yet) expires with its payment.
	a := e.start(p.ID, domain.GatewayBkash)
	e.clock.Advance(time.Second)
	wantEqual(t, "report", e.run(), app.ReconcileReport{PaymentsExpired: 1})
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusExpired)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptExpired)
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentFailed})
	wantSlice(t, "sms", templates(e.smsFor(p.ID)), []string{app.TemplateOrderPlaced, app.TemplatePaymentFailed})
	wantEqual(t, "again", e.run(), app.ReconcileReport{})
}

func TestReconcileCustomPaymentTTL(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.PaymentTTL = time.Hour })
	p := e.pay("ORD-1", "10")
	wantEqual(t, "expires", p.ExpiresAt, t0.Add(time.Hour))
	e.clock.Advance(time.Hour)
	wantEqual(t, "report", e.run(), app.ReconcileReport{PaymentsExpired: 1})
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusExpired)
}

func TestReconcileNeverExpiresProcessing(t *testing.T) {
	e := newEnv(t)
	p, a := e.unresolved("ORD-1")
	e.clock.Advance(48 * time.Hour)
	rep := e.run()
	wantEqual(t, "report", rep, app.ReconcileReport{StillUnknown: 1})
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusProcessing)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptUnresolved)
	// ExpirePayment leaves it alone too.
	if err := e.app.Reconciler.ExpirePayment(e.ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusProcessing)
}

func TestReconcileStuckConfirming(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	// A node claimed the attempt and died before applying execute's answer.
	e.read(func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, a.ID, func(p *domain.Payment, a *domain.Attempt) error {
			if err := a.Confirm(e.clock.Now()); err != nil {
				return err
			}
			return p.StartProcessing(e.clock.Now())
		})
	})
	e.clock.Advance(80 * time.Second) // 2 × ConfirmWait: maybe still in flight
	wantEqual(t, "in flight", e.run(), app.ReconcileReport{})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptConfirming)
	e.clock.Advance(time.Second)
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "Q1"}})
	wantEqual(t, "stuck", e.run(), app.ReconcileReport{Resolved: 1})
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
	wantEqual(t, "resolves", e.bkash.count("resolve"), 1)
	wantEqual(t, "confirms", e.bkash.count("confirm"), 0)

	// Still unknown: it becomes unresolved with a scheduled check.
	p2 := e.pay("ORD-2", "10")
	a2 := e.start(p2.ID, domain.GatewayBkash)
	e.read(func(ctx context.Context, tx ports.Tx) error {
		return tx.Attempts().Update(ctx, a2.ID, func(p *domain.Payment, a *domain.Attempt) error {
			if err := a.Confirm(e.clock.Now()); err != nil {
				return err
			}
			return p.StartProcessing(e.clock.Now())
		})
	})
	e.clock.Advance(81 * time.Second)
	wantEqual(t, "stuck unknown", e.run(), app.ReconcileReport{StillUnknown: 1})
	got := e.attempt(a2.ID)
	wantStatus(t, "attempt", got.Status(), domain.AttemptUnresolved)
	wantEqual(t, "next check", got.NextCheckAt, e.clock.Now().Add(time.Minute))
}

func TestReconcilerResolveAndExpireAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	a := e.start(p.ID, domain.GatewayBkash)
	// ExpireAttempt expires a redirected attempt without a gateway call.
	if err := e.app.Reconciler.ExpireAttempt(e.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptExpired)
	// Expiring it again changes nothing.
	if err := e.app.Reconciler.ExpireAttempt(e.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "gateway calls", e.bkash.count("resolve")+e.bkash.count("confirm"), 0)

	_, a2 := e.unresolved("ORD-2")
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "Q2"}})
	settled, err := e.app.Reconciler.Resolve(e.ctx, a2.ID)
	if err != nil || !settled {
		t.Fatalf("resolve: %v %v", settled, err)
	}
	// An attempt already settled: nothing asked.
	settled, err = e.app.Reconciler.Resolve(e.ctx, a2.ID)
	if err != nil || !settled {
		t.Fatalf("resolve settled: %v %v", settled, err)
	}
	wantEqual(t, "resolves", e.bkash.count("resolve"), 1)
}
