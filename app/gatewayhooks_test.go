package app_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/webhook"
)

var hookSecret = []byte("gw-hook-secret")

func hookEnv(t *testing.T) *env {
	return newEnv(t, func(c *app.Config, _ *app.Deps) {
		c.GatewayHooks = map[domain.Gateway]app.GatewayHookConfig{
			domain.GatewayBkash: {Secret: hookSecret, Sources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
			domain.GatewayNagad: {Secret: hookSecret},
		}
	})
}

func (e *env) hook(gateway, id, event, payID string) app.GatewayHookInput {
	body, _ := json.Marshal(map[string]string{"id": id, "event": event, "transaction_id": payID})
	return app.GatewayHookInput{Gateway: gateway, SourceIP: netip.MustParseAddr("10.1.2.3"), Body: body,
		Headers: map[string]string{"X-Webhook-Signature": webhook.Sign(hookSecret, body, e.clock.Now())}}
}

func (e *env) lastHook() ports.GatewayHookRecord {
	e.t.Helper()
	hs := e.store.Hooks()
	if len(hs) == 0 {
		e.t.Fatal("no hook recorded")
	}
	return hs[len(hs)-1]
}

func TestGatewayHookDispute(t *testing.T) {
	e := hookEnv(t)
	p := e.paid("ORD-1", "10")
	res, err := e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev1", "payment.disputed", p.ID))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "verdict", res.Verdict, "accepted")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusDisputed)
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess, domain.EventPaymentDisputed})
	h := e.lastHook()
	wantEqual(t, "recorded verdict", h.Verdict, "accepted")
	wantEqual(t, "recorded payment", h.PaymentID, p.ID)
	wantEqual(t, "recorded event id", h.EventID, "ev1")

	// The same event again: duplicate, logged, nothing changes.
	res, err = e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev1", "payment.disputed", p.ID))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "verdict", res.Verdict, "duplicate")
	wantEqual(t, "recorded", e.lastHook().Verdict, "duplicate")
	wantEqual(t, "events", len(e.events(p.ID)), 3)
	wantEqual(t, "hooks", len(e.store.Hooks()), 2)
}

func TestGatewayHookDisputeOfUnpaid(t *testing.T) {
	e := hookEnv(t)
	p := e.pay("ORD-1", "10")
	_, err := e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev1", "payment.disputed", p.ID))
	if len(validationFields(t, err)["event"]) == 0 {
		t.Fatal("dispute of a pending payment accepted")
	}
	wantEqual(t, "recorded", e.lastHook().Verdict, "rejected")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	// Rejected, not accepted: the id may come again.
	_, err = e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev1", "payment.disputed", p.ID))
	validationFields(t, err)
}

func TestGatewayHookOtherGatewaysPayment(t *testing.T) {
	e := hookEnv(t)
	p := e.paid("ORD-1", "10") // through bkash
	_, err := e.app.GatewayHooks.Handle(e.ctx, e.hook("nagad", "ev1", "payment.disputed", p.ID))
	if len(validationFields(t, err)["transaction_id"]) == 0 {
		t.Fatal("nagad disputed a bkash payment")
	}
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
}

func TestGatewayHookRefused(t *testing.T) {
	e := hookEnv(t)
	p := e.paid("ORD-1", "10")
	check := func(name string, in app.GatewayHookInput, target error, verdict string) {
		t.Helper()
		_, err := e.app.GatewayHooks.Handle(e.ctx, in)
		if !errorsIs(err, target) {
			t.Fatalf("%s: err %v, want %v", name, err, target)
		}
		wantEqual(t, name+" verdict", e.lastHook().Verdict, verdict)
	}
	bad := e.hook("bkash", "ev1", "payment.disputed", p.ID)
	bad.Headers["X-Webhook-Signature"] = webhook.Sign([]byte("wrong"), bad.Body, e.clock.Now())
	check("bad signature", bad, domain.ErrUnauthenticated, "bad_signature")
	tampered := e.hook("bkash", "ev1", "payment.disputed", p.ID)
	tampered.Body = append(tampered.Body[:len(tampered.Body)-1], ' ', '}')
	check("tampered", tampered, domain.ErrUnauthenticated, "bad_signature")
	stale := e.hook("bkash", "ev1", "payment.disputed", p.ID)
	e.clock.Advance(app.SignatureWindow + time.Second)
	check("stale", stale, domain.ErrUnauthenticated, "bad_signature")
	noSig := e.hook("bkash", "ev1", "payment.disputed", p.ID)
	delete(noSig.Headers, "X-Webhook-Signature")
	check("no signature", noSig, domain.ErrUnauthenticated, "bad_signature")

	check("unknown gateway", e.hook("paypal", "ev1", "payment.disputed", p.ID), domain.ErrNotFound, "unknown_gateway")
	check("unconfigured gateway", e.hook("redirectgw", "ev1", "payment.disputed", p.ID), domain.ErrNotFound, "unknown_gateway")
	outside := e.hook("bkash", "ev1", "payment.disputed", p.ID)
	outside.SourceIP = netip.MustParseAddr("192.0.2.1")
	check("forbidden source", outside, domain.ErrForbidden, "forbidden_source")
	mapped := e.hook("bkash", "ev-mapped", "payment.success", p.ID)
	mapped.SourceIP = netip.MustParseAddr("::ffff:10.9.9.9")
	if _, err := e.app.GatewayHooks.Handle(e.ctx, mapped); err != nil {
		t.Fatalf("IPv4-mapped source in range: %v", err)
	}
	check("unknown transaction", e.hook("bkash", "ev2", "payment.disputed", "txn_missing"), domain.ErrNotFound, "unknown_transaction")
	ve := e.hook("bkash", "", "payment.refundz", p.ID)
	_, err := e.app.GatewayHooks.Handle(e.ctx, ve)
	f := validationFields(t, err)
	if len(f["id"]) == 0 || len(f["event"]) == 0 {
		t.Fatalf("fields %v", f)
	}
	wantEqual(t, "invalid verdict", e.lastHook().Verdict, "invalid")

	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)
	if len(e.store.Hooks()) != 10 {
		t.Fatalf("every call logged: %d", len(e.store.Hooks()))
	}
}

func TestGatewayHookResolvesOpenAttempt(t *testing.T) {
	e := hookEnv(t)
	p, a := e.unresolved("ORD-1")
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "Q1"}})
	res, err := e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev1", "payment.success", p.ID))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "detail", res.Detail, "confirmed with the gateway and applied")
	wantEqual(t, "resolves", e.bkash.count("resolve"), 1)
	wantStatus(t, "attempt", e.attempt(a.ID).Status(), domain.AttemptSucceeded)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)

	// A status update alone never moves a payment.
	p2 := e.pay("ORD-2", "10")
	if _, err := e.app.GatewayHooks.Handle(e.ctx, e.hook("bkash", "ev2", "payment.success", p2.ID)); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "pending payment", e.payment(p2.ID).Status(), domain.StatusPending)
	wantEqual(t, "resolves", e.bkash.count("resolve"), 1)
}
