package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ipnEventID is the SNS MessageId of a signed message.
func ipnEventID(t *testing.T, msg []byte) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(msg, &m); err != nil {
		t.Fatal(err)
	}
	return m["MessageId"]
}

// A valid IPN for an attempt whose execute got no answer settles it through
// query (allowed there: docs/gateways/bkash.md §2.7), before reconciliation
// would; a replay is a duplicate; a tampered one is refused.
func TestIPNSettlesUnresolvedAttemptThroughQuery(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	txn, paymentID, walletURL := startAttempt(t, ts)
	callback := approve(t, walletURL, "01770618575")
	ts.sim.SetFault(bkashsim.EndpointExecute, bkashsim.Fault{Mode: bkashsim.FaultDrop, After: true, Times: 1})
	ts.sim.SetFault(bkashsim.EndpointQuery, bkashsim.Fault{Mode: "503", Times: 1})
	if _, _, _, err := newBrowser().do(ctx, http.MethodGet, callback, nil); err != nil {
		t.Fatal(err)
	}
	if p, a := ts.status(t, txn); p != "processing" || a != "unresolved" {
		t.Fatalf("payment %s attempt %s, want processing/unresolved", p, a)
	}
	msg, err := ts.sim.IPN(paymentID)
	if err != nil {
		t.Fatal(err)
	}
	// Tampered: refused, nothing asked.
	tampered := []byte(strings.Replace(string(msg), `\"amount\":\"100.00\"`, `\"amount\":\"1.00\"`, 1))
	if string(tampered) == string(msg) {
		t.Fatal("tampering changed nothing")
	}
	if code, err := ts.sim.SendIPN(ctx, ts.base+"/callbacks/bkash/ipn", tampered); err != nil || code != http.StatusForbidden {
		t.Fatalf("tampered IPN: %d %v, want 403", code, err)
	}
	if st := ts.sim.Stats(); st["query"] != 1 {
		t.Fatalf("stats %v: a refused IPN asked bKash", st)
	}

	if code, err := ts.sim.SendIPN(ctx, ts.base+"/callbacks/bkash/ipn", msg); err != nil || code != http.StatusOK {
		t.Fatalf("IPN: %d %v", code, err)
	}
	if p, a := ts.status(t, txn); p != "success" || a != "succeeded" {
		t.Fatalf("after IPN: payment %s attempt %s, want success/succeeded", p, a)
	}
	if st := ts.sim.Stats(); st["execute"] != 1 || st["query"] != 2 {
		t.Fatalf("stats %v: want one execute and two queries (callback path, IPN)", st)
	}
	id := ipnEventID(t, msg)
	if code, err := ts.sim.SendIPN(ctx, ts.base+"/callbacks/bkash/ipn", msg); err != nil || code != http.StatusOK {
		t.Fatalf("replayed IPN: %d %v", code, err)
	}
	if v := ts.hookVerdicts(t, id); v["accepted"] != 1 || v["duplicate"] != 1 {
		t.Fatalf("verdicts %v: want accepted once, then duplicate", v)
	}
	if st := ts.sim.Stats(); st["query"] != 2 {
		t.Fatalf("stats %v: the replay asked bKash again", st)
	}
}

// An IPN for an attempt paycore never executed (someone else executed the
// payment at bKash) does not mark it paid and does not query (rule 7).
func TestIPNDoesNotSettleAttemptPaycoreNeverExecuted(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	txn, paymentID, walletURL := startAttempt(t, ts)
	approve(t, walletURL, "01770618575") // the customer never comes back to paycore
	creds := ts.sim.Credentials()
	other, err := bkash.New(bkash.Config{BaseURL: ts.cfg.Bkash.BaseURL, Username: creds.Username, Password: creds.Password,
		AppKey: creds.AppKey, AppSecret: creds.AppSecret, CallbackURL: "https://elsewhere.example/cb"}, bkash.NewMemoryTokenStore())
	if err != nil {
		t.Fatal(err)
	}
	var att string
	ts.queryRow(t, "SELECT id FROM attempts WHERE payment_id = $1", []any{txn}, &att)
	if out, err := other.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, GatewayRef: paymentID, Amount: domain.MustMoney(10000, "BDT")}); err != nil || out.Outcome != ports.OutcomeSucceeded {
		t.Fatalf("execute elsewhere: %+v %v", out, err)
	}
	queries := ts.sim.Stats()["query"]
	msg, err := ts.sim.IPN(paymentID)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := ts.sim.SendIPN(ctx, ts.base+"/callbacks/bkash/ipn", msg); err != nil || code != http.StatusOK {
		t.Fatalf("IPN: %d %v", code, err)
	}
	if p, a := ts.status(t, txn); p != "pending" || a != "redirected" {
		t.Fatalf("after IPN: payment %s attempt %s, want pending/redirected (untouched)", p, a)
	}
	if st := ts.sim.Stats(); st["query"] != queries {
		t.Fatalf("stats %v: the IPN made paycore query", st)
	}
	if v := ts.hookVerdicts(t, ipnEventID(t, msg)); v["ignored"] != 1 {
		t.Fatalf("verdicts %v: want ignored", v)
	}
}

// A SubscriptionConfirmation is confirmed by visiting its SubscribeURL.
func TestIPNSubscriptionIsConfirmed(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	msg, token, err := ts.sim.SubscriptionConfirmation()
	if err != nil {
		t.Fatal(err)
	}
	if code, err := ts.sim.SendIPN(context.Background(), ts.base+"/callbacks/bkash/ipn", msg); err != nil || code != http.StatusOK {
		t.Fatalf("subscription confirmation: %d %v", code, err)
	}
	if !ts.sim.SubscriptionConfirmed(token) {
		t.Fatal("SubscribeURL not visited")
	}
}
