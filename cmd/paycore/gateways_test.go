package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// Nagad and the redirect gateway end to end: a real node in sandbox mode,
// real PostgreSQL, both simulators mounted and the adapters pointed at them
// exactly as `make run` does.

// payVia runs one customer journey and fails the test on a transport error.
func payVia(t *testing.T, ts *testServer, p payParams) payResult {
	t.Helper()
	var log strings.Builder
	res, err := pay(context.Background(), &log, ts.m, p)
	if err != nil {
		t.Fatalf("pay %+v: %v\n%s", p, err, log.String())
	}
	return res
}

// openAttempt creates a payment and starts an attempt at g without paying;
// it returns the transaction, the gateway's page and the client token.
func openAttempt(t *testing.T, ts *testServer, g domain.Gateway, amount string) (txn, page, token string) {
	t.Helper()
	ctx := context.Background()
	var created createdPayment
	if err := ts.m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "ORD-" + nonce()[:10], "amount": amount, "currency": "BDT", "returnURL": "https://shop.example.com/r",
	}}, &created); err != nil {
		t.Fatal(err)
	}
	txn = created.CreatePayment.Payment.TransactionID
	code, page, body, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/"+string(g), url.Values{})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("start %s: %d %v %s", g, code, err, body)
	}
	return txn, page, created.CreatePayment.ClientToken
}

// onPage opens the gateway's page and submits it; it returns where the
// gateway sends the browser back.
func onPage(t *testing.T, page, action, pin string) string {
	t.Helper()
	b := newBrowser()
	if code, _, _, err := b.do(context.Background(), http.MethodGet, page, nil); err != nil || code != http.StatusOK {
		t.Fatalf("open page: %d %v", code, err)
	}
	code, back, body, err := b.do(context.Background(), http.MethodPost, page, url.Values{
		"wallet": {"01712345678"}, "otp": {"123456"}, "pin": {pin}, "action": {action}})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("page %s: %d %v %s", action, code, err, body)
	}
	return back
}

// follow GETs a gateway return and then paycore's result page; it returns
// the return's HTTP status and the page's headline (or the refusal's body).
func follow(t *testing.T, back string) (int, string) {
	t.Helper()
	b := newBrowser()
	code, loc, body, err := b.do(context.Background(), http.MethodGet, back, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusSeeOther {
		return code, body
	}
	_, _, body, err = b.do(context.Background(), http.MethodGet, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := headline.FindStringSubmatch(body); m != nil {
		return code, m[1]
	}
	return code, body
}

// lastAttempt returns the status, failure code and trx_id of a payment's
// newest attempt, with the payment's status.
func (ts *testServer) lastAttempt(t *testing.T, txn string) (payment, attempt, code, trx, id string) {
	t.Helper()
	ts.queryRow(t, `SELECT p.status, a.status, a.failure_code, a.trx_id, a.id FROM payments p JOIN attempts a ON a.payment_id = p.id
		WHERE p.id = $1 ORDER BY a.created_at DESC LIMIT 1`, []any{txn}, &payment, &attempt, &code, &trx, &id)
	return
}

// review returns an attempt's review reason and status ("", "" if none).
func (ts *testServer) review(t *testing.T, attemptID string) (reason, status string) {
	t.Helper()
	var n int
	ts.queryRow(t, "SELECT count(*) FROM attempt_reviews WHERE attempt_id = $1", []any{attemptID}, &n)
	if n == 0 {
		return "", ""
	}
	ts.queryRow(t, "SELECT reason, status FROM attempt_reviews WHERE attempt_id = $1", []any{attemptID}, &reason, &status)
	return
}

func (ts *testServer) events(t *testing.T, txn, typ string) int {
	t.Helper()
	var n int
	ts.queryRow(t, "SELECT count(*) FROM events WHERE payment_id = $1 AND type = $2", []any{txn, typ}, &n)
	return n
}

func withQuery(t *testing.T, raw string, set map[string]string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func TestNagadPayments(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()

	t.Run("every gateway is offered", func(t *testing.T) {
		txn, _, token := openAttempt(t, ts, domain.GatewayBkash, "10")
		_, _, body, err := newBrowser().do(ctx, http.MethodGet, ts.base+"/pay/"+txn, nil)
		if err != nil || !strings.Contains(body, "/pay/"+txn+"/nagad") || !strings.Contains(body, "/pay/"+txn+"/redirectgw") {
			t.Fatalf("hosted page lacks Nagad or the redirect gateway (%v):\n%s", err, body)
		}
		var codes []string
		list, err := ts.app.Gateways.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range list {
			codes = append(codes, string(g.Code))
		}
		if !slices.Equal(codes, []string{"bkash", "nagad", "redirectgw", "sslcommerz"}) {
			t.Fatalf("GET /api/v1/gateways lists %v", codes)
		}
		// GraphQL startPayment takes NAGAD and REDIRECTGW (the SPA's token).
		for _, g := range []string{"NAGAD", "REDIRECTGW"} {
			var out struct {
				StartPayment struct{ RedirectURL string } `json:"startPayment"`
			}
			err := ts.m.graphql(ctx, token, `mutation($id: ID!, $g: Gateway!) { startPayment(transactionId: $id, gateway: $g) { redirectURL } }`,
				map[string]any{"id": txn, "g": g}, &out)
			want := map[string]string{"NAGAD": "/sandbox/nagad/check-out/", "REDIRECTGW": "/sandbox/redirectgw/checkout?trx_id="}[g]
			if err != nil || !strings.Contains(out.StartPayment.RedirectURL, want) {
				t.Fatalf("startPayment %s: %q %v", g, out.StartPayment.RedirectURL, err)
			}
		}
	})

	t.Run("success", func(t *testing.T) {
		before := ts.nagadSim.Stats()
		res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "pay", Amount: "1250.00"})
		if got := strings.Join(res.Statuses, ","); got != "pending,processing,success" || res.ResultPage != "Payment successful" {
			t.Fatalf("statuses %s, page %q", got, res.ResultPage)
		}
		var gateway, trx string
		ts.queryRow(t, "SELECT gateway, trx_id FROM payments WHERE id = $1", []any{res.TransactionID}, &gateway, &trx)
		if gateway != "nagad" || len(trx) != 8 {
			t.Fatalf("payment gateway %q trx %q", gateway, trx)
		}
		st := ts.nagadSim.Stats()
		if st["initialize"]-before["initialize"] != 1 || st["complete"]-before["complete"] != 1 || st["verify"]-before["verify"] != 1 {
			t.Fatalf("simulator stats %v (before %v): want one initialize, complete and verify", st, before)
		}
		if ts.events(t, res.TransactionID, "payment.success") != 1 {
			t.Fatal("no payment.success event")
		}
		// Nagad's calls feed gateway health.
		portstest.WaitFor(t, "nagad calls recorded", func() bool {
			hs, err := ts.app.Gateways.Health(ctx)
			for _, h := range hs {
				if h.Code == domain.GatewayNagad && h.Calls >= 3 {
					return err == nil
				}
			}
			return false
		})
	})

	t.Run("cancel", func(t *testing.T) {
		res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "cancel", Amount: "99"})
		p, a, code, _, _ := ts.lastAttempt(t, res.TransactionID)
		if p != "pending" || a != "failed" || code != "Aborted" || res.ResultPage != "Payment failed" {
			t.Fatalf("payment %s attempt %s %s, page %q", p, a, code, res.ResultPage)
		}
	})

	t.Run("failure", func(t *testing.T) {
		// Three wrong PINs: Nagad fails the payment and calls back.
		res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "pay", Amount: "99", PIN: "99999"})
		p, a, code, _, _ := ts.lastAttempt(t, res.TransactionID)
		if p != "pending" || a != "failed" || code != "Failed" || res.ResultPage != "Payment failed" {
			t.Fatalf("payment %s attempt %s %s, page %q", p, a, code, res.ResultPage)
		}
	})

	t.Run("forged callback then verify decides", func(t *testing.T) {
		txn, page, _ := openAttempt(t, ts, domain.GatewayNagad, "300")
		ref := strings.TrimPrefix(page, ts.base+"/sandbox/nagad/check-out/")
		if u, err := url.PathUnescape(ref); err == nil {
			ref = u
		}
		if code, _, _, err := newBrowser().do(ctx, http.MethodGet, page, nil); err != nil || code != http.StatusOK {
			t.Fatalf("open page: %d %v", code, err)
		}
		// The customer has not paid: a hand-made Success callback.
		forged := ts.base + "/callbacks/nagad/?" + url.Values{"payment_ref_id": {ref}, "status": {"Success"},
			"status_code": {"00_0000_000"}, "order_id": {"whatever"}, "issuer_payment_ref": {"FAKE0001"}}.Encode()
		code, headline := follow(t, forged)
		if code != http.StatusSeeOther || headline != "We are confirming your payment" {
			t.Fatalf("forged callback: %d %q", code, headline)
		}
		if p, a, _, trx, _ := ts.lastAttempt(t, txn); p != "processing" || a != "unresolved" || trx != "" {
			t.Fatalf("after a forged callback: payment %s attempt %s trx %q, want processing/unresolved", p, a, trx)
		}
		// The customer pays; the real callback is lost. Reconciliation
		// polls verify and settles it.
		b := newBrowser()
		code, _, body, err := b.do(ctx, http.MethodPost, page, url.Values{"wallet": {"01712345678"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
		if err != nil || code != http.StatusSeeOther {
			t.Fatalf("pay: %d %v %s", code, err, body)
		}
		rep, err := ts.app.Reconciler.Run(ctx)
		if err != nil || rep.Resolved < 1 {
			t.Fatalf("reconcile: %+v %v", rep, err)
		}
		if p, a, _, trx, _ := ts.lastAttempt(t, txn); p != "success" || a != "succeeded" || len(trx) != 8 {
			t.Fatalf("after reconcile: payment %s attempt %s trx %q", p, a, trx)
		}
		// The same callback again changes nothing and asks Nagad nothing.
		before := ts.nagadSim.Stats()["verify"]
		if code, headline := follow(t, forged); code != http.StatusSeeOther || headline != "Payment successful" {
			t.Fatalf("repeated callback: %d %q", code, headline)
		}
		if n := ts.nagadSim.Stats()["verify"]; n != before {
			t.Fatalf("verify called %d more times for a settled attempt", n-before)
		}
		// A reference Nagad never gave us, and none at all.
		if code, _ := follow(t, ts.base+"/callbacks/nagad?payment_ref_id=Zm9yZ2Vk&status=Success"); code != http.StatusNotFound {
			t.Fatalf("unknown payment_ref_id: HTTP %d, want 404", code)
		}
		if code, _ := follow(t, ts.base+"/callbacks/nagad/?status=Success"); code != http.StatusBadRequest {
			t.Fatalf("no payment_ref_id: HTTP %d, want 400", code)
		}
	})

	t.Run("a genuine callback after a forged one settles at once", func(t *testing.T) {
		txn, page, _ := openAttempt(t, ts, domain.GatewayNagad, "42")
		ref, _ := url.PathUnescape(strings.TrimPrefix(page, ts.base+"/sandbox/nagad/check-out/"))
		if code, _ := follow(t, ts.base+"/callbacks/nagad?"+url.Values{"payment_ref_id": {ref}, "status": {"Success"}}.Encode()); code != http.StatusSeeOther {
			t.Fatalf("forged: %d", code)
		}
		back := onPage(t, page, "pay", "12121")
		if code, headline := follow(t, back); code != http.StatusSeeOther || headline != "Payment successful" {
			t.Fatalf("genuine callback: %d %q", code, headline)
		}
		if p, a, _, _, _ := ts.lastAttempt(t, txn); p != "success" || a != "succeeded" {
			t.Fatalf("payment %s attempt %s", p, a)
		}
	})

	t.Run("partial refunds", func(t *testing.T) {
		res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "pay", Amount: "500.00"})
		before := ts.nagadSim.Stats()["cancel"]
		for _, amount := range []string{"100.00", "50.50"} {
			code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": res.TransactionID, "amount": json.Number(amount), "reason": "return"})
			if code != http.StatusCreated {
				t.Fatalf("refund %s: %d %v", amount, code, env)
			}
			ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
		}
		var status string
		var refunded int64
		ts.queryRow(t, "SELECT status, refunded FROM payments WHERE id = $1", []any{res.TransactionID}, &status, &refunded)
		if status != "partially_refunded" || refunded != 15050 {
			t.Fatalf("payment %s refunded %d paisa", status, refunded)
		}
		var refs int
		ts.queryRow(t, "SELECT count(DISTINCT gateway_ref) FROM refunds WHERE payment_id = $1 AND gateway_ref <> ''", []any{res.TransactionID}, &refs)
		if n := ts.nagadSim.Stats()["cancel"] - before; n != 2 || refs != 2 {
			t.Fatalf("%d cancel calls, %d distinct refund refs: want 2 and 2", n, refs)
		}
		if ts.events(t, res.TransactionID, "payment.refunded") != 2 {
			t.Fatal("want two payment.refunded events")
		}
	})

	t.Run("refund answer lost: verify tells", func(t *testing.T) {
		res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "pay", Amount: "200.00"})
		before := ts.nagadSim.Stats()
		ts.nagadSim.SetFault(nagadsim.EndpointCancel, nagadsim.Fault{Mode: nagadsim.FaultDrop, After: true, Times: 1})
		code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": res.TransactionID, "amount": json.Number("80.00"), "reason": "late"})
		if code != http.StatusCreated {
			t.Fatalf("refund: %d %v", code, env)
		}
		ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
		// Sent once; then verify (cancelIssuerRefNo) told what happened.
		if st := ts.nagadSim.Stats(); st["cancel"]-before["cancel"] != 1 || st["verify"]-before["verify"] < 2 {
			t.Fatalf("stats %v (before %v): want one cancel and verify before and after it", st, before)
		}
	})

	t.Run("demo", func(t *testing.T) {
		var out bytes.Buffer
		if err := runDemo(ctx, &out, ts.base, domain.GatewayNagad, "01712345678", "75.00"); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "webhook: payment.success evt_") || !strings.Contains(out.String(), "verified=true") {
			t.Fatalf("the demo does not show the webhook landing:\n%s", out.String())
		}
	})
}

func TestRedirectGatewayPayments(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		before := ts.rgwSim.Stats()
		res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "150.50"})
		if got := strings.Join(res.Statuses, ","); got != "pending,processing,success" || res.ResultPage != "Payment successful" {
			t.Fatalf("statuses %s, page %q", got, res.ResultPage)
		}
		_, a, _, trx, _ := ts.lastAttempt(t, res.TransactionID)
		if a != "succeeded" || len(trx) != redirectgwsim.TransactionIDLength {
			t.Fatalf("attempt %s trx %q", a, trx)
		}
		if st := ts.rgwSim.Stats(); st["checkout"]-before["checkout"] != 1 || st["verify"]-before["verify"] != 1 {
			t.Fatalf("stats %v (before %v): want one checkout and one verify", st, before)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		before := ts.rgwSim.Stats()["verify"]
		res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "cancel", Amount: "20"})
		if p, a, _, _, _ := ts.lastAttempt(t, res.TransactionID); p != "pending" || a != "cancelled" || res.ResultPage != "Payment cancelled" {
			t.Fatalf("payment %s attempt %s page %q", p, a, res.ResultPage)
		}
		if n := ts.rgwSim.Stats()["verify"]; n != before {
			t.Fatal("a cancel return was verified")
		}
	})

	t.Run("failure: the gateway does not know the transaction", func(t *testing.T) {
		txn, page, _ := openAttempt(t, ts, domain.GatewayRedirectGW, "60")
		back := withQuery(t, onPage(t, page, "pay", "12121"), map[string]string{"transaction_id": "FORGED0001"})
		if code, headline := follow(t, back); code != http.StatusSeeOther || headline != "Payment failed" {
			t.Fatalf("forged transaction_id: %d %q", code, headline)
		}
		p, a, code, _, id := ts.lastAttempt(t, txn)
		if p != "pending" || a != "failed" || code != "VERIFY_MISMATCH" {
			t.Fatalf("payment %s attempt %s %s", p, a, code)
		}
		if reason, st := ts.review(t, id); reason != "VERIFY_MISMATCH" || st != "open" {
			t.Fatalf("review %q %q", reason, st)
		}
	})

	t.Run("forged returns are refused", func(t *testing.T) {
		txn, page, _ := openAttempt(t, ts, domain.GatewayRedirectGW, "70")
		back := onPage(t, page, "pay", "12121")
		u, _ := url.Parse(back)
		q := u.Query()
		for name, bad := range map[string]map[string]string{
			"tampered mac":        {"mac": "AAAA" + q.Get("mac")[4:]},
			"tampered amount":     {"amt": "1"},
			"another attempt":     {"att": "att_00000000000000000000"},
			"no transaction_id":   {"transaction_id": ""},
			"no signature at all": {"mac": "", "att": "", "amt": "", "cur": "", "exp": "", "ret": ""},
		} {
			if code, body := follow(t, withQuery(t, back, bad)); code != http.StatusBadRequest || !strings.Contains(body, "Invalid payment return") {
				t.Fatalf("%s: HTTP %d\n%s", name, code, body)
			}
		}
		// A success return at the cancel route is not a cancel.
		if code, _ := follow(t, strings.Replace(back, "/callbacks/redirectgw/success", "/callbacks/redirectgw/cancel", 1)); code != http.StatusBadRequest {
			t.Fatalf("success return at the cancel route: HTTP %d", code)
		}
		if p, a, _, _, _ := ts.lastAttempt(t, txn); p != "pending" || a != "redirected" {
			t.Fatalf("forged returns changed the payment: %s/%s", p, a)
		}
		if code, headline := follow(t, back); code != http.StatusSeeOther || headline != "Payment successful" {
			t.Fatalf("the genuine return: %d %q", code, headline)
		}
	})

	t.Run("a return replayed on another attempt is refused", func(t *testing.T) {
		paid := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "10"})
		_, _, _, trxA, _ := ts.lastAttempt(t, paid.TransactionID)
		// B (a bigger order) is paid too, but its return is rewritten to
		// carry A's transaction.
		txnB, pageB, _ := openAttempt(t, ts, domain.GatewayRedirectGW, "5000")
		backB := onPage(t, pageB, "pay", "12121")
		code, body := follow(t, withQuery(t, backB, map[string]string{"transaction_id": trxA}))
		if code != http.StatusConflict || !strings.Contains(body, "already used for another payment") {
			t.Fatalf("A's transaction on B's return: HTTP %d\n%s", code, body)
		}
		if p, a, _, _, _ := ts.lastAttempt(t, txnB); p != "pending" || a != "redirected" {
			t.Fatalf("B after the replay: %s/%s, want untouched", p, a)
		}
		// B's own return still works; replaying it then changes nothing.
		if code, headline := follow(t, backB); code != http.StatusSeeOther || headline != "Payment successful" {
			t.Fatalf("B's genuine return: %d %q", code, headline)
		}
		if code, body := follow(t, backB); code != http.StatusConflict || !strings.Contains(body, "already used") {
			t.Fatalf("B's return replayed: HTTP %d\n%s", code, body)
		}
		// One gateway transaction, one attempt: the index says so too.
		_, err := ts.db.Pool.Exec(ctx, "UPDATE attempts SET trx_id = $1 WHERE payment_id = $2", trxA, txnB)
		if err == nil || !strings.Contains(err.Error(), "attempts_gateway_trx_key") {
			t.Fatalf("two attempts with one transaction: %v", err)
		}
	})

	t.Run("verify reports another amount", func(t *testing.T) {
		ts.rgwSim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.FaultWrongAmount, Times: 1})
		res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "80.00"})
		p, a, code, _, id := ts.lastAttempt(t, res.TransactionID)
		if p != "pending" || a != "failed" || code != "AMOUNT_MISMATCH" || res.ResultPage != "Payment failed" {
			t.Fatalf("payment %s attempt %s %s page %q", p, a, code, res.ResultPage)
		}
		if reason, st := ts.review(t, id); reason != "AMOUNT_MISMATCH" || st != "open" {
			t.Fatalf("review %q %q", reason, st)
		}
		if ts.events(t, res.TransactionID, "payment.success") != 0 {
			t.Fatal("payment.success for a mismatched amount")
		}
	})

	t.Run("verify without answer: reconciled later", func(t *testing.T) {
		ts.rgwSim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.Fault503, Times: 1})
		res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "33"})
		if p, a, _, trx, _ := ts.lastAttempt(t, res.TransactionID); p != "processing" || a != "unresolved" || trx == "" {
			t.Fatalf("payment %s attempt %s trx %q", p, a, trx)
		}
		if rep, err := ts.app.Reconciler.Run(ctx); err != nil || rep.Resolved < 1 {
			t.Fatalf("reconcile: %+v %v", rep, err)
		}
		if p, a, _, _, _ := ts.lastAttempt(t, res.TransactionID); p != "success" || a != "succeeded" {
			t.Fatalf("after reconcile: payment %s attempt %s", p, a)
		}
	})

	t.Run("demo", func(t *testing.T) {
		var out bytes.Buffer
		if err := runDemo(ctx, &out, ts.base, domain.GatewayRedirectGW, "01712345678", "75.00"); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "webhook: payment.success evt_") || !strings.Contains(out.String(), "verified=true") {
			t.Fatalf("the demo does not show the webhook landing:\n%s", out.String())
		}
	})
}

// Without a verify endpoint a signed return is an unverified claim: the
// payment stays processing, flagged, until an operator decides.
func TestRedirectGatewayUnverifiedClaimReview(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.RedirectGW.NoVerify = true })
	ctx := context.Background()
	review := func(args ...string) []map[string]any {
		t.Helper()
		var out bytes.Buffer
		if err := runReview(ctx, &out, ts.app, args); err != nil {
			t.Fatalf("review %v: %v", args, err)
		}
		var lines []map[string]any
		dec := json.NewDecoder(&out)
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
		}
		return lines
	}
	claim := func() (txn, attempt, trx string) {
		t.Helper()
		res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "120.00",
			WebhookURL: ts.base + "/sandbox/merchant/webhook"})
		if res.ResultPage != "We are confirming your payment" || res.Statuses[len(res.Statuses)-1] != "processing" {
			t.Fatalf("page %q statuses %v", res.ResultPage, res.Statuses)
		}
		p, a, _, trx, id := ts.lastAttempt(t, res.TransactionID)
		if p != "processing" || a != "unresolved" || len(trx) != redirectgwsim.TransactionIDLength {
			t.Fatalf("payment %s attempt %s trx %q", p, a, trx)
		}
		if reason, st := ts.review(t, id); reason != "UNVERIFIED_CLAIM" || st != "open" {
			t.Fatalf("review %q %q", reason, st)
		}
		return res.TransactionID, id, trx
	}
	txn1, att1, trx1 := claim()
	txn2, att2, _ := claim()
	if n := ts.rgwSim.Stats()["verify"]; n != 0 {
		t.Fatalf("verify called %d times without a verify endpoint", n)
	}
	// Reconciliation has nothing to ask: the claims wait for an operator.
	if rep, err := ts.app.Reconciler.Run(ctx); err != nil || rep.Resolved != 0 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	open := review("list")
	if len(open) != 2 || open[0]["attempt_id"] != att1 || open[0]["reason"] != "UNVERIFIED_CLAIM" || open[0]["trx_id"] != trx1 {
		t.Fatalf("review list: %v", open)
	}

	// Confirm the first: success, payment.success event and webhook.
	got := review("confirm", "--attempt", att1, "--by", "ops@example", "--note", "seen in the dashboard")
	if len(got) != 1 || got[0]["payment_status"] != "success" || got[0]["trx_id"] != trx1 {
		t.Fatalf("confirm: %v", got)
	}
	var status, trx string
	ts.queryRow(t, "SELECT status, trx_id FROM payments WHERE id = $1", []any{txn1}, &status, &trx)
	if status != "success" || trx != trx1 || ts.events(t, txn1, "payment.success") != 1 {
		t.Fatalf("payment %s trx %q after confirm", status, trx)
	}
	if hooks, err := landedWebhooks(ctx, ts.base, txn1, "payment.success", 10*time.Second); err != nil ||
		!slices.ContainsFunc(hooks, func(h landedWebhook) bool { return h.Event == "payment.success" && h.Verified }) {
		t.Fatalf("payment.success webhook: %v %v", hooks, err)
	}
	if reason, st := ts.review(t, att1); reason != "UNVERIFIED_CLAIM" || st != "confirmed" {
		t.Fatalf("review %q %q", reason, st)
	}

	// Reject the second: the attempt fails, the payment may be paid again.
	got = review("reject", "--attempt", att2, "--by", "ops@example", "--note", "not in the dashboard")
	if len(got) != 1 || got[0]["payment_status"] != "pending" || got[0]["attempt_status"] != "failed" {
		t.Fatalf("reject: %v", got)
	}
	if p, a, code, _, _ := ts.lastAttempt(t, txn2); p != "pending" || a != "failed" || code != app.CodeClaimRejected {
		t.Fatalf("payment %s attempt %s %s after reject", p, a, code)
	}
	if ts.events(t, txn2, "payment.success") != 0 {
		t.Fatal("payment.success for a rejected claim")
	}
	// Decisions are final.
	if _, err := ts.app.Reviews.Confirm(ctx, app.ReviewDecision{AttemptID: att2, By: "ops"}); app.ErrorCode(err) != app.CodeConflict {
		t.Fatalf("confirming a rejected claim: %v", err)
	}
	if left := review("list"); len(left) != 0 {
		t.Fatalf("open reviews left: %v", left)
	}
	if all := review("list", "--status", "all"); len(all) != 2 || all[1]["decided_by"] != "ops@example" {
		t.Fatalf("all reviews: %v", all)
	}
}

// An operator may accept signed returns as payment (weaker); returns
// expire (on the node's clock, which the test moves).
func TestRedirectGatewayTrustedReturnsAndExpiry(t *testing.T) {
	t.Parallel()
	clock := portstest.NewClock(time.Now())
	ts := startServerClock(t, func(c *config) {
		c.RedirectGW.NoVerify, c.RedirectGW.TrustSignedReturn, c.RedirectGW.ReturnTTL = true, true, 2*time.Second
	}, clock)
	res := payVia(t, ts, payParams{Gateway: domain.GatewayRedirectGW, Wallet: "01712345678", Action: "pay", Amount: "45"})
	if res.ResultPage != "Payment successful" || res.Statuses[len(res.Statuses)-1] != "success" {
		t.Fatalf("trusted return: page %q statuses %v", res.ResultPage, res.Statuses)
	}
	txn, page, _ := openAttempt(t, ts, domain.GatewayRedirectGW, "46")
	back := onPage(t, page, "pay", "12121")
	clock.Advance(3 * time.Second) // past the return's 2 s
	if code, body := follow(t, back); code != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Fatalf("expired return: HTTP %d\n%s", code, body)
	}
	if p, a, _, _, _ := ts.lastAttempt(t, txn); p != "pending" || a != "redirected" {
		t.Fatalf("an expired return changed the payment: %s/%s", p, a)
	}
}

// A Nagad payment made one day is refunded after midnight in Dhaka, end to
// end: the node's clock (and the simulator's) moves to the next Dhaka day
// between payment and refund; the refund job's cancel carries that day as
// originalRequestDate and Nagad refunds (docs/gateways/nagad.md §8.2).
func TestNagadRefundOnALaterDay(t *testing.T) {
	t.Parallel()
	clock := portstest.NewClock(time.Now())
	ts := startServerClock(t, nil, clock)
	ctx := context.Background()
	res := payVia(t, ts, payParams{Gateway: domain.GatewayNagad, Wallet: "01712345678", Action: "pay", Amount: "300.00"})
	if res.Statuses[len(res.Statuses)-1] != "success" {
		t.Fatalf("statuses %v", res.Statuses)
	}
	var clientID string
	ts.queryRow(t, "SELECT client_id FROM payments WHERE id = $1", []any{res.TransactionID}, &clientID)

	// Five minutes past the next midnight in Dhaka.
	now := clock.Now().In(domain.Dhaka)
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 5, 0, 0, domain.Dhaka)
	clock.Set(next)
	for i, amount := range []string{"100.00", ""} {
		r, err := ts.app.Refunds.Request(ctx, app.Principal{ClientID: clientID}, app.RefundInput{TransactionID: res.TransactionID, Amount: amount})
		if err != nil {
			t.Fatalf("refund %d: %v", i, err)
		}
		ts.waitRefund(t, r.ID, "succeeded")
		clock.Advance(3 * 24 * time.Hour) // and again days later
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{res.TransactionID}, &status)
	if status != "refunded" {
		t.Fatalf("payment %s, want refunded", status)
	}
}

// Each gateway's limits, configured through the environment's variables,
// decide what the hosted page offers and which attempts start; GET
// /api/v1/gateways shows every gateway with its limits.
func TestGatewayAmountLimits(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) {
		if err := c.Nagad.NagadMaxAmount.UnmarshalText([]byte("1000")); err != nil {
			t.Fatal(err)
		}
		if err := c.RedirectGW.RedirectGWMinAmount.UnmarshalText([]byte("20")); err != nil {
			t.Fatal(err)
		}
		if err := c.RedirectGW.RedirectGWMaxAmount.UnmarshalText([]byte("100.50")); err != nil {
			t.Fatal(err)
		}
	})
	ctx := context.Background()
	offered := func(txn string) []string {
		t.Helper()
		_, _, body, err := newBrowser().do(ctx, http.MethodGet, ts.base+"/pay/"+txn, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range []string{"bkash", "nagad", "redirectgw"} {
			if strings.Contains(body, `action="/pay/`+txn+`/`+g+`"`) {
				out = append(out, g)
			}
		}
		return out
	}
	create := func(amount string) string {
		t.Helper()
		var created createdPayment
		if err := ts.m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
			"orderId": "ORD-" + nonce()[:10], "amount": amount, "currency": "BDT", "returnURL": "https://shop.example.com/r",
		}}, &created); err != nil {
			t.Fatal(err)
		}
		return created.CreatePayment.Payment.TransactionID
	}
	for amount, want := range map[string][]string{
		"50": {"bkash", "nagad", "redirectgw"}, "100.50": {"bkash", "nagad", "redirectgw"},
		"10": {"bkash", "nagad"}, "500": {"bkash", "nagad"}, "5000": {"bkash"},
	} {
		if got := offered(create(amount)); !slices.Equal(got, want) {
			t.Errorf("%s taka: page offers %v, want %v", amount, got, want)
		}
	}

	// An attempt outside the limits is refused before the gateway is asked.
	txn := create("5000")
	before := ts.nagadSim.Stats()["initialize"]
	code, _, body, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/nagad", url.Values{})
	if err != nil || code != http.StatusUnprocessableEntity || !strings.Contains(body, "Nagad takes amounts from 1.00 BDT to 1000.00 BDT") {
		t.Fatalf("start Nagad for 5000: %d %v\n%s", code, err, body)
	}
	if n := ts.nagadSim.Stats()["initialize"] - before; n != 0 {
		t.Fatalf("Nagad initialized %d times", n)
	}
	var attempts int
	ts.queryRow(t, "SELECT count(*) FROM attempts WHERE payment_id = $1", []any{txn}, &attempts)
	if attempts != 0 {
		t.Fatalf("%d attempts stored", attempts)
	}

	req, err := ts.m.signedRequest(ctx, http.MethodGet, "/api/v1/gateways", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.m.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data []struct {
			Code      string      `json:"code"`
			MinAmount json.Number `json:"min_amount"`
			MaxAmount json.Number `json:"max_amount"`
		} `json:"data"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, g := range env.Data {
		got[g.Code] = [2]string{g.MinAmount.String(), g.MaxAmount.String()}
	}
	want := map[string][2]string{"bkash": {"1.00", "50000.00"}, "nagad": {"1.00", "1000.00"}, "redirectgw": {"20.00", "100.50"}, "sslcommerz": {"10.00", "500000.00"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("GET /api/v1/gateways limits %v, want %v", got, want)
	}
}
