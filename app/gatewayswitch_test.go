package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var (
	opsAdmin   = app.Principal{Admin: true, Role: domain.RoleAdmin, UserID: "usr_admin", Email: "ops@example.com"}
	opsSupport = app.Principal{Admin: true, Role: domain.RoleSupport, UserID: "usr_support", Email: "support@example.com"}
	adminToken = app.Principal{Admin: true}
	merchantA  = app.Principal{ClientID: cliA, Role: domain.RoleMerchant, UserID: "usr_m", Email: "m@a.test"}
)

// withSwitches keeps gateway switches and the audit log in the env's store.
func withSwitches(_ *app.Config, d *app.Deps) {
	d.Switches, d.Audit = d.Tx.(ports.GatewaySwitches), d.Tx.(ports.AuditLog)
}

// A disabled gateway takes no new attempt and is not offered; everything
// about the attempts it already has goes on (callback, reconciliation,
// refund); only admins switch, and each switch is audited with before and
// after.
func TestGatewaySwitch(t *testing.T) {
	e := newEnv(t, withSwitches)
	inFlight := e.pay("ORD-1", "10")
	flying := e.start(inFlight.ID, domain.GatewayBkash)
	_, lost := e.unresolved("ORD-2")
	paid := e.paid("ORD-3", "100")

	for name, pr := range map[string]app.Principal{"support": opsSupport, "admin token": adminToken, "merchant": merchantA} {
		if _, err := e.app.Gateways.SetEnabled(e.ctx, pr, domain.GatewayBkash, false, "x"); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("%s disabled bkash: %v, want ErrForbidden", name, err)
		}
	}
	if _, err := e.app.Gateways.SetEnabled(e.ctx, opsAdmin, domain.GatewaySSLCommerz, false, ""); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("switching a gateway that is not active: %v, want ErrNotFound", err)
	}
	sw, err := e.app.Gateways.SetEnabled(e.ctx, opsAdmin, domain.GatewayBkash, false, " bKash outage ")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "switch", sw, ports.GatewaySwitch{Gateway: domain.GatewayBkash, Reason: "bKash outage", By: "ops@example.com", At: t0})

	// Not offered anywhere.
	on, err := e.app.Gateways.Offered(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "offered", on, []domain.Gateway{domain.GatewayNagad, domain.GatewayRedirectGW})
	list, _ := e.app.Gateways.List(e.ctx)
	wantEqual(t, "listed", len(list), 2)
	fresh := e.pay("ORD-4", "10")
	page, err := e.app.Payments.HostedPage(e.ctx, fresh.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "hosted page", page.Gateways, []domain.Gateway{domain.GatewayNagad, domain.GatewayRedirectGW})
	hs, _ := e.app.Gateways.Health(e.ctx)
	wantEqual(t, "health lists it, disabled", hs[0].Switch.Enabled, false)
	wantEqual(t, "health reason", hs[0].Switch.Reason, "bKash outage")

	// No new attempt: no row, no gateway call.
	creates := e.bkash.count("create")
	_, err = e.app.Attempts.Start(e.ctx, fresh.ID, domain.GatewayBkash)
	if !errors.Is(err, app.ErrGatewayDisabled) {
		t.Fatalf("start at a disabled gateway: %v", err)
	}
	wantEqual(t, "code", app.ErrorCode(err), app.CodeGatewayDisabled)
	wantEqual(t, "status", app.CodeHTTPStatus(app.CodeGatewayDisabled), 409)
	wantEqual(t, "gateway creates", e.bkash.count("create"), creates)
	wantEqual(t, "attempts", len(e.attempts(fresh.ID)), 0)
	e.start(fresh.ID, domain.GatewayNagad) // another gateway still takes it

	// Money in flight is not stranded: the callback settles, reconciliation
	// resolves, a refund goes through.
	res, err := e.app.Attempts.HandleCallback(e.ctx, callback(domain.GatewayBkash, flying, app.CallbackSuccess))
	if err != nil || res.Payment.Status() != domain.StatusSuccess {
		t.Fatalf("callback of an attempt at a disabled gateway: %v %+v", err, res.Payment)
	}
	e.bkash.scriptResolve(confirmAnswer{res: ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "Q1"}})
	e.run()
	wantStatus(t, "reconciled attempt", e.attempt(lost.ID).Status(), domain.AttemptSucceeded)
	r := e.requestRefund(paid.ID, "40")
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "refund at a disabled gateway", e.refund(r.ID).Status(), domain.RefundSucceeded)

	// Enabled again: offered and started.
	if _, err := e.app.Gateways.SetEnabled(e.ctx, opsAdmin, domain.GatewayBkash, true, ""); err != nil {
		t.Fatal(err)
	}
	e.start(e.pay("ORD-5", "10").ID, domain.GatewayBkash)

	// Audited: who, what, before and after, newest first.
	log, err := e.store.ListAudit(e.ctx, ports.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 {
		t.Fatalf("audit log %+v, want 2 entries", log)
	}
	wantEqual(t, "last action", log[0].Action, "gateway.enable")
	wantEqual(t, "first action", log[1].Action, "gateway.disable")
	wantEqual(t, "actor", log[1].ActorEmail, "ops@example.com")
	wantEqual(t, "role", log[1].ActorRole, "admin")
	wantEqual(t, "target", log[1].Target, "bkash")
	var before, after map[string]any
	_ = json.Unmarshal(log[1].Before, &before)
	_ = json.Unmarshal(log[1].After, &after)
	wantEqual(t, "before", before["enabled"], any(true))
	wantEqual(t, "after", after["enabled"], any(false))
	wantEqual(t, "after reason", after["reason"], any("bKash outage"))
}

// A switch made on one node reaches another within app.GatewaySwitchTTL:
// the other node goes on with what it read until then, never longer.
func TestGatewaySwitchReachesOtherNodes(t *testing.T) {
	e := newEnv(t, withSwitches)
	nodeB := app.New(e.cfg, app.Deps{Tx: e.store, Clock: e.clock, Gateways: []ports.PaymentGateway{e.bkash, e.nagad, e.redirect},
		Switches: e.store, Audit: e.store})
	offered := func(a *app.App) []domain.Gateway {
		t.Helper()
		on, err := a.Gateways.Offered(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	wantEqual(t, "node B offers bkash", slices.Contains(offered(nodeB), domain.GatewayBkash), true)
	if _, err := e.app.Gateways.SetEnabled(e.ctx, opsAdmin, domain.GatewayBkash, false, "outage"); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "node A at once", slices.Contains(offered(e.app), domain.GatewayBkash), false)
	e.clock.Advance(app.GatewaySwitchTTL - 1)
	wantEqual(t, "node B within the bound", slices.Contains(offered(nodeB), domain.GatewayBkash), true)
	e.clock.Advance(1)
	wantEqual(t, "node B after the bound", slices.Contains(offered(nodeB), domain.GatewayBkash), false)
	p := e.pay("ORD-1", "10")
	if _, err := nodeB.Attempts.Start(e.ctx, p.ID, domain.GatewayBkash); !errors.Is(err, app.ErrGatewayDisabled) {
		t.Fatalf("node B started at a disabled gateway: %v", err)
	}
}

// The SMS balance: operators read it through ports.SMSBalance; merchants
// may not.
func TestSMSBalance(t *testing.T) {
	e := newEnv(t, func(_ *app.Config, d *app.Deps) {
		d.Admin = fakeAdmin{}
		d.SMS = balanceSMS{fakeSMS: &fakeSMS{}, bal: "1234.50"}
	})
	for _, pr := range []app.Principal{opsAdmin, opsSupport} {
		b, err := e.app.Console.SMSBalance(e.ctx, pr)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "balance", b, app.SMSBalance{Provider: "fake", Balance: domain.MustMoney(123450, "BDT"), Reported: true})
	}
	if _, err := e.app.Console.SMSBalance(e.ctx, merchantA); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("merchant read the SMS balance: %v", err)
	}
	bad := newEnv(t, func(_ *app.Config, d *app.Deps) {
		d.Admin = fakeAdmin{}
		d.SMS = balanceSMS{fakeSMS: &fakeSMS{}, bal: "n/a"}
	})
	if _, err := bad.app.Console.SMSBalance(bad.ctx, opsAdmin); app.ErrorCode(err) != app.CodeUnavailable {
		t.Fatalf("unreadable balance: %v", err)
	}
	none := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Admin = fakeAdmin{} })
	b, err := none.app.Console.SMSBalance(none.ctx, opsAdmin)
	if err != nil || b.Reported || b.Provider != "fake" {
		t.Fatalf("a provider without a balance: %+v %v", b, err)
	}
}

// fakeAdmin stands in for the console's queries (SMSBalance reads none).
type fakeAdmin struct{ ports.AdminQueries }

// balanceSMS is an SMS provider reporting a balance.
type balanceSMS struct {
	*fakeSMS
	bal string
}

func (s balanceSMS) Balance(context.Context) (string, error) { return s.bal, nil }
