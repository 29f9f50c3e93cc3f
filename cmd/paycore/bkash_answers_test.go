package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports/portstest"
)

// bKash refuses execute with its other error shape, {"errorCode",
// "errorMessage"} (docs/gateways/bkash.md §10.3): that is an answer, so the
// customer sees bKash's message and paycore never queries (§2.7).
func TestExecuteErrorCodeBodyShowsBkashMessage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn, _, walletURL := startAttempt(t, ts)
	callback := approve(t, walletURL, "01770618575")
	ts.sim.SetErrorBody(bkashsim.EndpointExecute, bkashsim.ErrorBody{Code: "2056", Message: "Invalid Payment State (errorCode body)", Times: 1})
	code, loc, _, err := newBrowser().do(context.Background(), http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback: %d %v", code, err)
	}
	if p, a := ts.status(t, txn); p != "pending" || a != "failed" {
		t.Fatalf("payment %s attempt %s, want pending/failed", p, a)
	}
	_, _, body, err := newBrowser().do(context.Background(), http.MethodGet, loc, nil)
	if err != nil || !strings.Contains(body, "Invalid Payment State (errorCode body)") {
		t.Fatalf("result page does not show bKash's errorMessage: %v\n%s", err, body)
	}
	if st := ts.sim.Stats(); st["execute"] != 1 || st["query"] != 0 {
		t.Fatalf("stats %v: want one execute and no query", st)
	}
}

// simExecute executes a payment at the simulator behind paycore's back (as
// a second node or an earlier process would have), with a token of its own.
func simExecute(t *testing.T, ts *testServer, paymentID string) {
	t.Helper()
	api := ts.base + prefixBkash + bkashsim.APIPrefix
	creds := ts.sim.Credentials()
	post := func(path string, hdr map[string]string, body any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, api+path, bytes.NewReader(b))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	tok := post("/token/grant", map[string]string{"username": creds.Username, "password": creds.Password},
		map[string]string{"app_key": creds.AppKey, "app_secret": creds.AppSecret})
	ex := post("/execute", map[string]string{"Authorization": tok["id_token"].(string), "X-APP-Key": creds.AppKey},
		map[string]string{"paymentID": paymentID})
	if ex["statusCode"] != "0000" {
		t.Fatalf("execute behind paycore's back: %v", ex)
	}
}

// Execute answering 2117 (already executed) is an answer: paycore never
// queries (docs/gateways/bkash.md §2.7, errata "Rule 7 is literal"), neither
// in the callback's path nor in reconciliation; the attempt waits for an
// operator's review naming the paymentID.
func TestExecuteAlreadyExecutedOpensReviewWithoutQuery(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn, paymentID, walletURL := startAttempt(t, ts)
	callback := approve(t, walletURL, "01770618575")
	simExecute(t, ts, paymentID)
	code, loc, _, err := newBrowser().do(context.Background(), http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback: %d %v", code, err)
	}
	if p, a := ts.status(t, txn); p != "processing" || a != "unresolved" {
		t.Fatalf("payment %s attempt %s, want processing/unresolved", p, a)
	}
	if _, _, body, _ := newBrowser().do(context.Background(), http.MethodGet, loc, nil); !strings.Contains(body, "We are confirming your payment") {
		t.Fatalf("result page:\n%s", body)
	}
	var reason, detail string
	ts.queryRow(t, "SELECT reason, detail FROM attempt_reviews WHERE payment_id = $1 AND status = 'open'", []any{txn}, &reason, &detail)
	if reason != "EXECUTE_ALREADY_DONE" || !strings.Contains(detail, paymentID) {
		t.Fatalf("review %s %q, want EXECUTE_ALREADY_DONE naming %s", reason, detail, paymentID)
	}
	for range 3 {
		if _, err := ts.app.Reconciler.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if st := ts.sim.Stats(); st["execute"] != 2 || st["query"] != 0 {
		t.Fatalf("stats %v: want two executes (behind our back, ours) and no query", st)
	}
	res, err := ts.app.Reviews.Reject(context.Background(), app.ReviewDecision{AttemptID: attemptOf(t, ts, txn), By: "op"})
	if err != nil || res.Attempt.Status() != "failed" {
		t.Fatalf("reject: %v %v", res.Attempt, err)
	}
}

func attemptOf(t *testing.T, ts *testServer, txn string) string {
	t.Helper()
	var id string
	ts.queryRow(t, "SELECT id FROM attempts WHERE payment_id = $1 ORDER BY created_at DESC LIMIT 1", []any{txn}, &id)
	return id
}

// A bKash token outage over a simulated hour with many payments: token
// calls back off in the database shared by the nodes (docs/gateways/bkash.md
// §4.3), so bKash sees a handful of grants, never one per payment; each
// payment fails at once at create; /readyz says bKash is degraded (200: the
// node serves everything else) and /metrics shows it; when bKash is back
// the first payment after the backoff grants once and pays.
func TestBkashTokenOutageBacksOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := portstest.NewClock(time.Now())
	ts := startServerClock(t, func(c *config) { c.PaymentTTL = 4 * time.Hour }, clock)
	ts.sim.SetFault(bkashsim.EndpointGrant, bkashsim.Fault{Mode: bkashsim.Fault503}) // until cleared
	// The merchant signs with real time: create every payment before the
	// fake clock moves.
	txns := make([]string, 37)
	for i := range txns {
		txns[i] = createPayment(t, ts)
	}

	payments := 0
	for step := range 12 { // 12 × 5 minutes
		for range 3 {
			txn := txns[payments]
			payments++
			code, _, _, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/bkash", url.Values{})
			if err != nil || code == http.StatusSeeOther {
				t.Fatalf("step %d: start answered %d %v during the outage", step, code, err)
			}
		}
		clock.Advance(5 * time.Minute)
	}
	st := ts.sim.Stats()
	if st["grant"] < 2 || st["grant"] > 5 || st["create"] != 0 {
		t.Fatalf("stats %v after %d payments in an hour of outage: want a handful of grants and no create", st, payments)
	}
	var failed int
	ts.queryRow(t, "SELECT count(*) FROM attempts WHERE status = 'failed'", nil, &failed)
	if failed != payments {
		t.Fatalf("%d failed attempts, want %d", failed, payments)
	}

	code, _, body, err := newBrowser().do(ctx, http.MethodGet, ts.base+"/readyz", nil)
	if err != nil || code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) || !strings.Contains(body, `"bkash":"token calls failing`) {
		t.Fatalf("/readyz during the outage: %d %v %s", code, err, body)
	}
	if _, _, m, _ := newBrowser().do(ctx, http.MethodGet, ts.base+"/metrics", nil); !strings.Contains(m, "bkash_token_degraded 1") ||
		!strings.Contains(m, fmt.Sprintf("bkash_token_failures_total %d", st["grant"])) {
		t.Fatalf("/metrics lacks the token backoff:\n%s", grepLines(m, "bkash_token"))
	}

	ts.sim.ClearFaults()
	h, err := ts.bkash.TokenHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(h.BackoffUntil.Sub(clock.Now()) + time.Second)
	txn := txns[payments]
	if code, _, _, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/bkash", url.Values{}); err != nil || code != http.StatusSeeOther {
		t.Fatalf("start after the outage: %d %v", code, err)
	}
	if got := ts.sim.Stats()["grant"]; got != st["grant"]+1 {
		t.Fatalf("%d grants after recovery, want %d", got, st["grant"]+1)
	}
	if code, _, body, _ := newBrowser().do(ctx, http.MethodGet, ts.base+"/readyz", nil); code != http.StatusOK || !strings.Contains(body, `"status":"ready"`) {
		t.Fatalf("/readyz after recovery: %d %s", code, body)
	}
}

// createPayment creates a 100 BDT payment and returns its transaction ID.
func createPayment(t *testing.T, ts *testServer) string {
	t.Helper()
	var created createdPayment
	if err := ts.m.graphql(context.Background(), "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "ORD-" + nonce()[:8], "amount": "100", "currency": "BDT", "returnURL": "https://shop.example.com/r",
	}}, &created); err != nil {
		t.Fatal(err)
	}
	return created.CreatePayment.Payment.TransactionID
}
