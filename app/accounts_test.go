package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func TestProfile(t *testing.T) {
	e := newEnv(t)
	pr, err := e.app.Accounts.Profile(e.ctx, principal(cliA))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "client", pr.Client.Name, "Shop A")
	wantEqual(t, "key", pr.APIKey, "pk_current_a")
	pr, err = e.app.Accounts.Profile(e.ctx, principal(cliB)) // no key yet
	if err != nil || pr.APIKey != "" || pr.Client.ID != cliB {
		t.Fatalf("profile %+v %v", pr, err)
	}
	_, err = e.app.Accounts.Profile(e.ctx, app.Principal{ClientID: cliA, TransactionID: "txn_x"})
	wantErr(t, err, domain.ErrForbidden)
	_, err = e.app.Accounts.Profile(e.ctx, principal("cli_nobody"))
	wantErr(t, err, domain.ErrNotFound)
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	e.paid("O1", "1000")
	p2 := e.paid("O2", "1.00")
	e.pay("O3", "50")                                                                 // pending
	failed := e.pay("O4", "70")                                                       // expires
	if _, err := e.app.Payments.Create(e.ctx, cliB, input("O1", "999")); err != nil { // another client's
		t.Fatal(err)
	}
	r := e.requestRefund(p2.ID, "0.40")
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24 * time.Hour)
	e.run()
	wantStatus(t, "expired", e.payment(failed.ID).Status(), domain.StatusExpired)

	d, err := e.app.Accounts.Dashboard(e.ctx, principal(cliA))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "total", d.TotalTransactions, int64(4))
	wantEqual(t, "success", d.TotalSuccess, int64(2))
	wantEqual(t, "failed", d.TotalFailed, int64(2)) // O3 expired too
	wantEqual(t, "amount", d.TotalAmount, domain.MustMoney(100100, "BDT"))
	wantEqual(t, "refunded", d.TotalRefunded, domain.MustMoney(40, "BDT"))
	// 100100 paisa × 150 bps = 1501.5 paisa → 1502, half up.
	wantEqual(t, "commission", d.Commission, domain.MustMoney(1502, "BDT"))

	d, _ = e.app.Accounts.Dashboard(e.ctx, principal(cliB))
	wantEqual(t, "cli_b total", d.TotalTransactions, int64(1))
	wantEqual(t, "cli_b commission", d.Commission, domain.MustMoney(0, "BDT"))
	_, err = e.app.Accounts.Dashboard(e.ctx, app.Principal{ClientID: cliA, TransactionID: "txn_x"})
	wantErr(t, err, domain.ErrForbidden)
}

func TestRegenerateKeys(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.KeyGrace = time.Hour })
	_, err := e.app.Accounts.RegenerateKeys(e.ctx, principal(cliA), cliB)
	wantErr(t, err, domain.ErrForbidden)
	_, err = e.app.Accounts.RegenerateKeys(e.ctx, app.Principal{ClientID: cliA, TransactionID: "txn_x"}, "")
	wantErr(t, err, domain.ErrForbidden)
	wantEqual(t, "rotations", len(e.keys.rotations), 0)

	c, err := e.app.Accounts.RegenerateKeys(e.ctx, principal(cliA), cliA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.APIKey, "pk_") || len(c.APIKey) != 27 || !strings.HasPrefix(c.Secret, "sk_") || len(c.Secret) != 43 {
		t.Fatalf("credentials %+v", c)
	}
	rot := e.keys.rotations[0]
	wantEqual(t, "client", rot.clientID, cliA)
	wantEqual(t, "key", rot.key, c.APIKey)
	wantEqual(t, "secret", string(rot.secret), c.Secret)
	wantEqual(t, "old key revoked at", rot.revokeAt, t0.Add(time.Hour))
	pr, _ := e.app.Accounts.Profile(e.ctx, principal(cliA))
	wantEqual(t, "current key", pr.APIKey, c.APIKey)

	c2, err := e.app.Accounts.RegenerateKeys(e.ctx, principal(cliA), "")
	if err != nil || c2.APIKey == c.APIKey {
		t.Fatalf("second regeneration %v %v", c2, err)
	}

	noKeys := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Keys = nil })
	if _, err := noKeys.app.Accounts.RegenerateKeys(noKeys.ctx, principal(cliA), ""); err == nil {
		t.Fatal("regenerated without a key store")
	}
}

func TestGatewaysListAndHealth(t *testing.T) {
	e := newEnv(t)
	list, err := e.app.Gateways.List(e.ctx)
	if err != nil || len(list) != 3 || list[0].Code != domain.GatewayBkash || list[0].MinAmount != domain.MustMoney(100, "BDT") {
		t.Fatalf("list %+v", list)
	}
	e.calls.stats[domain.GatewayBkash] = ports.GatewayCallStats{Calls: 100, OK: 90, Refused: 8, NoAnswer: 2, P95: time.Second,
		Buckets: 10, UpBuckets: 9}
	e.calls.stats[domain.GatewayNagad] = ports.GatewayCallStats{Calls: 10, OK: 4, NoAnswer: 6, Buckets: 2, UpBuckets: 1,
		LastWindow: struct{ Calls, NoAnswer int64 }{Calls: 4, NoAnswer: 3}}
	hs, err := e.app.Gateways.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "gateways", len(hs), 3)
	wantEqual(t, "enabled without a switch store", hs[0].Switch.Enabled, true)
	wantEqual(t, "bkash", hs[0].Status, "up")
	wantEqual(t, "bkash success rate", hs[0].SuccessRate, 98.0)
	wantEqual(t, "bkash uptime", hs[0].UptimePercent, 90.0)
	wantEqual(t, "nagad", hs[1].Status, "down")
	wantEqual(t, "redirectgw without calls", hs[2].Status, "up")
	wantEqual(t, "window", e.calls.since[0], t0.Add(-app.HealthWindow))

	e.calls.stats[domain.GatewayBkash] = ports.GatewayCallStats{Calls: 100, OK: 94, NoAnswer: 6}
	hs, _ = e.app.Gateways.Health(e.ctx)
	wantEqual(t, "bkash under 95%", hs[0].Status, "degraded")
}
