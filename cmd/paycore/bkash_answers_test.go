package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/app"
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
	if _, _, body, _ := newBrowser().do(context.Background(), http.MethodGet, loc, nil); !strings.Contains(body, "Payment still processing") {
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
