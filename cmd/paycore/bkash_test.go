package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/ports/portstest"
)

// approve pays an open attempt on the simulator's wallet page and returns
// bKash's callback URL.
func approve(t *testing.T, walletURL, wallet string) string {
	t.Helper()
	code, callback, body, err := newBrowser().do(context.Background(), http.MethodPost, walletURL, url.Values{
		"wallet": {wallet}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("wallet page: %d %v %s", code, err, body)
	}
	return callback
}

func (ts *testServer) status(t *testing.T, txn string) (payment, attempt string) {
	t.Helper()
	ts.queryRow(t, `SELECT p.status, a.status FROM payments p JOIN attempts a ON a.payment_id = p.id
		WHERE p.id = $1 ORDER BY a.created_at DESC LIMIT 1`, []any{txn}, &payment, &attempt)
	return payment, attempt
}

// Execute's answer is lost after bKash completed the payment: paycore
// queries in that code path (docs/gateways/bkash.md §2.7) and settles success; query is called
// nowhere else.
func TestExecuteNoAnswerThenQuery(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn, _, walletURL := startAttempt(t, ts)
	callback := approve(t, walletURL, "01770618575")
	ts.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	code, loc, _, err := newBrowser().do(context.Background(), http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback: %d %v", code, err)
	}
	if p, a := ts.status(t, txn); p != "success" || a != "succeeded" {
		t.Fatalf("payment %s attempt %s, want success/succeeded", p, a)
	}
	st := ts.sim.Stats()
	if st["execute"] != 1 || st["query"] != 1 {
		t.Fatalf("stats %v: want one execute and one query", st)
	}
	_, _, body, _ := newBrowser().do(context.Background(), http.MethodGet, loc, nil)
	if !strings.Contains(body, "Payment successful") {
		t.Fatalf("result page:\n%s", body)
	}
}

// Neither execute nor query answers: the payment stays processing (never
// guessed), the result page says so, and reconciliation settles it later
// with one more query.
func TestUnresolvedAttemptIsReconciled(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn, _, walletURL := startAttempt(t, ts)
	callback := approve(t, walletURL, "01770618575")
	ts.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	ts.sim.SetFault(bkashsim.EndpointQuery, bkashsim.Fault{Mode: "503", Times: 1})
	_, loc, _, err := newBrowser().do(context.Background(), http.MethodGet, callback, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, a := ts.status(t, txn); p != "processing" || a != "unresolved" {
		t.Fatalf("payment %s attempt %s, want processing/unresolved", p, a)
	}
	_, _, body, _ := newBrowser().do(context.Background(), http.MethodGet, loc, nil)
	if !strings.Contains(body, "We are confirming your payment") {
		t.Fatalf("result page:\n%s", body)
	}
	rep, err := ts.app.Reconciler.Run(context.Background())
	if err != nil || rep.Resolved != 1 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	if p, a := ts.status(t, txn); p != "success" || a != "succeeded" {
		t.Fatalf("after reconcile: payment %s attempt %s", p, a)
	}
	if st := ts.sim.Stats(); st["execute"] != 1 || st["query"] != 2 {
		t.Fatalf("stats %v: want one execute and two queries (callback path, reconciliation)", st)
	}
}

// A customer who never comes back: the attempt expires without any call to
// bKash (docs/gateways/bkash.md §2.7: no execute, no money moved), the payment stays payable.
func TestAbandonedAttemptExpiresWithoutQuery(t *testing.T) {
	t.Parallel()
	clock := portstest.NewClock(time.Now())
	ts := startServerClock(t, func(c *config) { c.AttemptTTL = time.Minute }, clock)
	txn, _, _ := startAttempt(t, ts)
	if rep, err := ts.app.Reconciler.Run(context.Background()); err != nil || rep.AttemptsExpired != 0 {
		t.Fatalf("reconcile before the TTL: %+v %v", rep, err)
	}
	clock.Advance(time.Minute + time.Second)
	rep, err := ts.app.Reconciler.Run(context.Background())
	if err != nil || rep.AttemptsExpired != 1 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	if p, a := ts.status(t, txn); p != "pending" || a != "expired" {
		t.Fatalf("payment %s attempt %s, want pending/expired", p, a)
	}
	if st := ts.sim.Stats(); st["query"] != 0 || st["execute"] != 0 {
		t.Fatalf("stats %v: an abandoned attempt must not be queried", st)
	}
}

// merchantPOST sends a signed REST request and decodes the envelope.
func (ts *testServer) merchantPOST(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := ts.m.signedRequest(context.Background(), http.MethodPost, path, b)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.m.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, env
}

// paid returns a transaction paid with bKash for amount.
func paid(t *testing.T, ts *testServer, amount string) string {
	t.Helper()
	var log strings.Builder
	res, err := payOnce(context.Background(), &log, ts.m, "01770618575", "pay", amount)
	if err != nil || res.Statuses[len(res.Statuses)-1] != "success" {
		t.Fatalf("pay: %v %v\n%s", err, res.Statuses, log.String())
	}
	return res.TransactionID
}

func (ts *testServer) waitRefund(t *testing.T, refundID, want string) {
	t.Helper()
	portstest.WaitFor(t, "refund "+refundID+" "+want, func() bool {
		var st string
		ts.queryRow(t, "SELECT status FROM refunds WHERE id = $1", []any{refundID}, &st)
		return st == want
	})
}

// Two partial refunds through the River job with the shared id_token, then
// an over-refund refused with 422 before reaching bKash.
func TestRefundPartialTwiceThenOverRefund(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn := paid(t, ts, "500.00")
	for i, amount := range []string{"100.00", "150.50"} {
		code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": txn, "amount": json.Number(amount), "reason": fmt.Sprintf("return %d", i)})
		if code != http.StatusCreated {
			t.Fatalf("refund %s: %d %v", amount, code, env)
		}
		ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
	}
	var status string
	var refunded int64
	ts.queryRow(t, "SELECT status, refunded FROM payments WHERE id = $1", []any{txn}, &status, &refunded)
	if status != "partially_refunded" || refunded != 25050 {
		t.Fatalf("payment %s refunded %d paisa", status, refunded)
	}
	code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": txn, "amount": json.Number("249.51"), "reason": "too much"})
	if code != http.StatusUnprocessableEntity || env["errors"].(map[string]any)["amount"] == nil {
		t.Fatalf("over-refund: %d %v", code, env)
	}
	if st := ts.sim.Stats(); st["refund"] != 2 || st["grant"] != 1 {
		t.Fatalf("stats %v: want two refunds on the one granted token", st)
	}
	code, env = ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": txn, "amount": json.Number("249.50"), "reason": "rest"})
	if code != http.StatusCreated {
		t.Fatalf("refund the rest: %d %v", code, env)
	}
	ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "refunded" {
		t.Fatalf("payment %s after refunding everything", status)
	}
}

// The refund's answer is lost after bKash refunded: paycore asks refund
// status, never submits again.
func TestRefundNoAnswerAsksStatus(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn := paid(t, ts, "300.00")
	ts.sim.SetFault(bkashsim.EndpointRefund, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": txn, "amount": json.Number("120.00"), "reason": "damaged"})
	if code != http.StatusCreated {
		t.Fatalf("refund: %d %v", code, env)
	}
	ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
	if st := ts.sim.Stats(); st["refund"] != 1 || st["refund_status"] < 1 {
		t.Fatalf("stats %v: want one refund and a refund status call", st)
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "partially_refunded" {
		t.Fatalf("payment %s", status)
	}
}

// A node restarted on the same database (make run again): the stored
// id_token belongs to a simulator that is gone, bKash answers 401, paycore
// renews the token and opens a fresh attempt; the customer never notices.
func TestStaleTokenAfterRestart(t *testing.T) {
	t.Parallel()
	first := startServer(t)
	paid(t, first, "20.00")
	db, dsn := first.db, first.cfg.DatabaseURL
	first.stop()
	second, _ := startServerOn(t, db, dsn, nil)
	txn := paid(t, second, "30.00")
	var failed, redirected int
	second.queryRow(t, "SELECT count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'succeeded') FROM attempts WHERE payment_id = $1",
		[]any{txn}, &failed, &redirected)
	if failed != 1 || redirected != 1 {
		t.Fatalf("attempts: %d failed (the stale-token create), %d succeeded; want 1 and 1", failed, redirected)
	}
	if st := second.sim.Stats(); st["grant"] != 1 || st["create"] != 2 {
		t.Fatalf("stats %v: want one grant after the 401 and two creates", st)
	}
}

// The token manager's counters are exported for Prometheus.
func TestMetricsExposeTokenCounters(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	paid(t, ts, "15.00")
	_, _, body, err := newBrowser().do(context.Background(), http.MethodGet, ts.base+"/metrics", nil)
	if err != nil || !strings.Contains(body, "bkash_token_grants_total 1") {
		t.Fatalf("metrics: %v\n%s", err, body)
	}
}
