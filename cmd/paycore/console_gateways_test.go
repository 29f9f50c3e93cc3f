package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/ports/portstest"
)

// An admin disables a gateway through GraphQL; support and merchants may
// not. The disabled gateway is not offered (Query.gateways, REST, hosted
// page) and refuses new attempts (hosted page 409, startPayment
// GATEWAY_DISABLED), while an attempt already at the gateway settles. The
// switch is audited; enabling it again restores it. The SMS balance is for
// operators.
func TestConsoleGatewaySwitch(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	if _, _, err := ts.app.Users.Create(ctx, "support@example.com", "support", "", "support password 1"); err != nil {
		t.Fatal(err)
	}
	admin := login(t, ts.base, demoAdminEmail, demoAdminPassword)
	support := login(t, ts.base, "support@example.com", "support password 1")
	merchant := login(t, ts.base, demoMerchantEmail, demoMerchantPassword)

	// A customer already at bKash's wallet page when it is disabled.
	r := v1Demo(ts).post(t, "/api/v1/pay", v1PayBody(v1Order(), "500.00", nil))
	v1Want(t, r, http.StatusCreated)
	flying := v1Data[v1Txn](t, r)
	b := newBrowser()
	st, walletURL, body, err := b.do(ctx, http.MethodPost, ts.base+"/pay/"+flying.TransactionID+"/bkash", url.Values{})
	if err != nil || st != http.StatusSeeOther {
		t.Fatalf("start bKash: %d %v\n%s", st, err, body)
	}

	const toggle = `mutation($g: Gateway!, $on: Boolean!, $why: String) { setGatewayEnabled(code: $g, enabled: $on, reason: $why) { code enabled reason switchedBy switchedAt } }`
	off := map[string]any{"g": "BKASH", "on": false, "why": "bKash maintenance"}
	for who, d := range map[string]*dash{"support": support, "merchant": merchant} {
		if _, res := d.gql(t, toggle, off); code(res) != "FORBIDDEN" {
			t.Fatalf("%s toggled a gateway: %s %+v", who, res.Data, res.Errors)
		}
	}
	_, res := admin.gql(t, toggle, off)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"enabled":false`) || !strings.Contains(string(res.Data), `"switchedBy":"admin@example.com"`) {
		t.Fatalf("admin disabled bKash: %s %+v", res.Data, res.Errors)
	}

	// Shown disabled to operators, with who; merchants see enabled only.
	_, res = support.gql(t, `{ gatewayHealth { code enabled switch { reason switchedBy } } }`, nil)
	if !strings.Contains(string(res.Data), `{"code":"BKASH","enabled":false,"switch":{"reason":"bKash maintenance","switchedBy":"admin@example.com"}}`) {
		t.Fatalf("gatewayHealth: %s %+v", res.Data, res.Errors)
	}
	_, res = merchant.gql(t, `{ gateways gatewayList { code } gatewayHealth { code enabled switch { switchedBy } } }`, nil)
	if strings.Contains(string(res.Data), "admin@example.com") || len(res.Errors) > 0 {
		t.Fatalf("merchant's gateways: %s %+v", res.Data, res.Errors)
	}
	var lists struct {
		Gateways    []string
		GatewayList []struct{ Code string }
	}
	_ = json.Unmarshal(res.Data, &lists)
	if strings.Join(lists.Gateways, ",") != "NAGAD,REDIRECTGW,SSLCOMMERZ" || len(lists.GatewayList) != 3 {
		t.Fatalf("offered while bKash is off: %+v", lists)
	}
	rest := v1Demo(ts).get(t, "/api/v1/gateways")
	v1Want(t, rest, http.StatusOK)
	if strings.Contains(string(rest.Raw), `"bkash"`) {
		t.Fatalf("GET /api/v1/gateways lists bkash: %s", rest.Raw)
	}

	// A new payment: the page does not offer bKash, and refuses it.
	r = v1Demo(ts).post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil))
	v1Want(t, r, http.StatusCreated)
	fresh := v1Data[v1Txn](t, r)
	if _, _, page, err := newBrowser().do(ctx, http.MethodGet, ts.base+"/pay/"+fresh.TransactionID, nil); err != nil ||
		strings.Contains(page, "/pay/"+fresh.TransactionID+"/bkash") || !strings.Contains(page, "/pay/"+fresh.TransactionID+"/nagad") {
		t.Fatalf("hosted page while bKash is off (%v):\n%s", err, page)
	}
	if st, _, _, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+fresh.TransactionID+"/bkash", url.Values{}); err != nil || st != http.StatusConflict {
		t.Fatalf("start at disabled bKash: %d %v, want 409", st, err)
	}
	_, res = merchant.gql(t, `mutation($id: ID!) { startPayment(transactionId: $id, gateway: BKASH) { redirectURL } }`,
		map[string]any{"id": fresh.TransactionID})
	if code(res) != "GATEWAY_DISABLED" {
		t.Fatalf("startPayment at disabled bKash: %s %+v", res.Data, res.Errors)
	}

	// The customer already at bKash finishes paying: the callback settles.
	st, callback, body, err := b.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || st != http.StatusSeeOther {
		t.Fatalf("wallet: %d %v\n%s", st, err, body)
	}
	if st, _, body, err := b.do(ctx, http.MethodGet, callback, nil); err != nil || st != http.StatusSeeOther {
		t.Fatalf("callback at disabled bKash: %d %v\n%s", st, err, body)
	}
	got := v1Data[v1Txn](t, v1Demo(ts).get(t, "/api/v1/transaction/"+flying.TransactionID))
	if got.Status != "success" {
		t.Fatalf("payment in flight at disabled bKash: %s", got.Status)
	}

	// Audited with before and after; enabling restores it.
	_, res = admin.gql(t, toggle, map[string]any{"g": "BKASH", "on": true})
	if len(res.Errors) > 0 {
		t.Fatalf("enable: %+v", res.Errors)
	}
	_, res = support.gql(t, `{ auditLog(action: "gateway.disable") { actor role target before after } }`, nil)
	for _, w := range []string{`"actor":"admin@example.com"`, `"role":"admin"`, `"target":"bkash"`, `\"enabled\": true`, `\"enabled\": false`, `bKash maintenance`} {
		if !strings.Contains(string(res.Data), w) {
			t.Errorf("audit entry lacks %s: %s", w, res.Data)
		}
	}
	v1PayOnWallet(t, ts, fresh.PaymentURL, fresh.TransactionID)

	// The SMS balance (the sandbox's SMS simulator): operators only.
	for who, d := range map[string]*dash{"admin": admin, "support": support} {
		_, res = d.gql(t, `{ smsBalance { provider balance { amount currency } } }`, nil)
		if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"currency":"BDT"`) {
			t.Fatalf("%s smsBalance: %s %+v", who, res.Data, res.Errors)
		}
	}
	if _, res = merchant.gql(t, `{ smsBalance { provider } }`, nil); code(res) != "FORBIDDEN" {
		t.Fatalf("merchant smsBalance: %s %+v", res.Data, res.Errors)
	}
}

// Login limits hold across nodes: failed logins of one account spread over
// two nodes on one database add up, and both refuse the account (login
// attempts are counted in PostgreSQL); a gateway switch made on one node
// is followed by the other.
func TestConsoleLimitsAndSwitchesAcrossNodes(t *testing.T) {
	t.Parallel()
	db, dsn := pgtest.New(t)
	a, _ := startServerOn(t, db, dsn, nil)
	b, _ := startServerOn(t, db, dsn, nil)
	if _, _, err := a.app.Users.Create(context.Background(), "support@example.com", "support", "", "support password 1"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		node := []*testServer{a, b}[i%2]
		_, r := (&dash{base: node.base}).gql(t, gqlLogin, map[string]any{"e": "support@example.com", "p": "wrong password!"})
		if code(r) != "UNAUTHENTICATED" {
			t.Fatalf("failure %d: %+v", i+1, r.Errors)
		}
	}
	for _, node := range []*testServer{a, b} {
		_, r := (&dash{base: node.base}).gql(t, gqlLogin, map[string]any{"e": "support@example.com", "p": "support password 1"})
		if code(r) != "RATE_LIMITED" {
			t.Fatalf("after 10 failures over two nodes: %+v", r.Errors)
		}
	}

	admin := login(t, a.base, demoAdminEmail, demoAdminPassword)
	merchantOnB := login(t, b.base, demoMerchantEmail, demoMerchantPassword)
	if _, r := admin.gql(t, `mutation { setGatewayEnabled(code: NAGAD, enabled: false, reason: "test") { enabled } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("disable nagad: %+v", r.Errors)
	}
	portstest.WaitFor(t, "node B stops offering nagad", func() bool {
		_, r := merchantOnB.gql(t, `{ gateways }`, nil)
		return len(r.Errors) == 0 && !strings.Contains(string(r.Data), "NAGAD")
	})
}
