package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkashsim"
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
