package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/ports/portstest"
	"github.com/paycore/paycore/webhook"
)

// receiver is a merchant's webhook endpoint, outside paycore.
type receiver struct {
	mu     sync.Mutex
	status int
	got    []struct {
		header http.Header
		body   []byte
	}
	srv *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(b)
		rc.mu.Lock()
		rc.got = append(rc.got, struct {
			header http.Header
			body   []byte
		}{r.Header.Clone(), b})
		st := rc.status
		rc.mu.Unlock()
		w.WriteHeader(st)
		_, _ = w.Write([]byte("answer " + strconv.Itoa(st)))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) set(status int) {
	rc.mu.Lock()
	rc.status = status
	rc.mu.Unlock()
}

func (rc *receiver) events(kind string) [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out [][]byte
	for _, g := range rc.got {
		if g.header.Get("X-Webhook-Event") == kind {
			out = append(out, g.body)
		}
	}
	return out
}

// verifyIndependently checks X-Webhook-Signature the way a merchant would,
// written here from docs/merchant-api.md §8.3 alone.
func verifyIndependently(t *testing.T, header string, body []byte, secret string) {
	t.Helper()
	parts := map[string]string{}
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(kv, "=")
		parts[k] = v
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts["t"] + "." + string(body)))
	if want := hex.EncodeToString(mac.Sum(nil)); parts["v1"] != want {
		t.Fatalf("signature %q does not verify (want v1=%s)", header, want)
	}
	ts, _ := strconv.ParseInt(parts["t"], 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d > time.Minute || d < -time.Minute {
		t.Fatalf("signature timestamp %s is off by %s", parts["t"], d)
	}
}

func createFor(t *testing.T, ts *testServer, webhookURL, amount string) string {
	t.Helper()
	var created createdPayment
	if err := ts.m.graphql(context.Background(), "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "ORD-" + nonce()[:8], "amount": amount, "currency": "BDT",
		"returnURL": "https://shop.example.com/r", "webhookURL": webhookURL, "customerPhone": "01770618575",
	}}, &created); err != nil {
		t.Fatal(err)
	}
	return created.CreatePayment.Payment.TransactionID
}

func TestPaymentSuccessWebhookDeliveredAndSigned(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	rc := newReceiver(t)
	txn := createFor(t, ts, rc.srv.URL+"/hooks", "250.00")
	_, _, walletURL := startAttemptFor(t, ts, txn)
	callback := approve(t, walletURL, "01770618575")
	if code, _, _, err := newBrowser().do(context.Background(), http.MethodGet, callback, nil); err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback %d %v", code, err)
	}
	portstest.WaitFor(t, "payment.success webhook", func() bool { return len(rc.events("payment.success")) == 1 })
	// Exactly once: one payment.success event, one delivery of it, and its
	// job finished, so nothing more is coming.
	portstest.WaitFor(t, "the delivery job to finish", func() bool {
		var events, deliveries, pending int
		ts.queryRow(t, `SELECT count(*) FROM events WHERE payment_id = $1 AND type = 'payment.success'`, []any{txn}, &events)
		ts.queryRow(t, `SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
			WHERE e.payment_id = $1 AND e.type = 'payment.success'`, []any{txn}, &deliveries)
		ts.queryRow(t, `SELECT count(*) FROM river_job j JOIN webhook_deliveries d ON d.id = j.args->>'delivery_id'
			JOIN events e ON e.id = d.event_id
			WHERE j.kind = 'webhook_deliver' AND e.payment_id = $1 AND e.type = 'payment.success'
			AND j.state NOT IN ('completed', 'cancelled', 'discarded')`, []any{txn}, &pending)
		if events != 1 || deliveries != 1 {
			t.Fatalf("%d payment.success events, %d deliveries; want 1 and 1", events, deliveries)
		}
		return pending == 0
	})
	if n := len(rc.events("payment.success")); n != 1 {
		t.Fatalf("payment.success arrived %d times, want exactly 1", n)
	}
	rc.mu.Lock()
	var hdr http.Header
	var body []byte
	for _, g := range rc.got {
		if g.header.Get("X-Webhook-Event") == "payment.success" {
			hdr, body = g.header, g.body
		}
	}
	rc.mu.Unlock()
	verifyIndependently(t, hdr.Get("X-Webhook-Signature"), body, demoWebhookSecret)
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev["id"] != hdr.Get("X-Webhook-Id") || ev["event"] != "payment.success" || ev["transaction_id"] != txn ||
		ev["status"] != "success" || ev["currency"] != "BDT" || ev["gateway_ref"] == "" {
		t.Fatalf("event %v", ev)
	}
	if !strings.Contains(string(body), `"amount":250.00`) {
		t.Fatalf("amount not written with the currency's decimals: %s", body)
	}
	var delivered int
	ts.queryRow(t, `SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
		WHERE e.payment_id = $1 AND e.type = 'payment.success' AND d.status = 'delivered' AND d.attempts = 1`, []any{txn}, &delivered)
	if delivered != 1 {
		t.Fatalf("delivered rows = %d", delivered)
	}
}

// startAttemptFor opens a bKash attempt for an existing payment.
func startAttemptFor(t *testing.T, ts *testServer, txn string) (string, string, string) {
	t.Helper()
	code, walletURL, _, err := newBrowser().do(context.Background(), http.MethodPost, ts.base+"/pay/"+txn+"/bkash", nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("start: %d %v", code, err)
	}
	return txn, "", walletURL
}

// jobFor returns the River job of a delivery: state, attempt, and the wait
// River scheduled after the last attempt.
func (ts *testServer) jobFor(t *testing.T, deliveryID string) (id int64, state string, attempt int, wait time.Duration) {
	t.Helper()
	var scheduled, attempted time.Time
	ts.queryRow(t, `SELECT id, state, attempt, scheduled_at, coalesce(attempted_at, scheduled_at) FROM river_job
		WHERE kind = 'webhook_deliver' AND args->>'delivery_id' = $1 ORDER BY id DESC LIMIT 1`, []any{deliveryID},
		&id, &state, &attempt, &scheduled, &attempted)
	return id, state, attempt, scheduled.Sub(attempted)
}

// A receiver answering 500: attempts at +1, +5 and +15 minutes (River's
// schedule is checked, then the job is released early instead of waiting),
// then failed; the node is stopped and another started between retries and
// nothing is lost.
func TestWebhookRetriesThenFails(t *testing.T) {
	t.Parallel()
	first := startServer(t)
	rc := newReceiver(t)
	rc.set(http.StatusInternalServerError)
	txn := createFor(t, first, rc.srv.URL, "99.00")
	var deliveryID string
	portstest.WaitFor(t, "first attempt", func() bool {
		first.queryRow(t, `SELECT d.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
			WHERE e.payment_id = $1 AND e.type = 'payment.pending'`, []any{txn}, &deliveryID)
		_, state, _, _ := first.jobFor(t, deliveryID)
		return state == "retryable"
	})
	ts := first
	for i, want := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute} {
		id, state, attempt, wait := ts.jobFor(t, deliveryID)
		if state != "retryable" || attempt != i+1 || wait < want-10*time.Second || wait > want+10*time.Second {
			t.Fatalf("after attempt %d: state %s attempt %d wait %s, want retryable after %s", i+1, state, attempt, wait, want)
		}
		if i == 1 {
			// Stop this node and start another on the same database.
			db, dsn := ts.db, ts.cfg.DatabaseURL
			ts.stop()
			ts, _ = startServerOn(t, db, dsn, nil)
		}
		if _, err := ts.runner.Client().JobRetry(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		portstest.WaitFor(t, "next attempt", func() bool {
			_, st, at, _ := ts.jobFor(t, deliveryID)
			return at == i+2 && st != "available" && st != "running"
		})
	}
	var status string
	var attempts, stored int
	ts.queryRow(t, "SELECT status, attempts FROM webhook_deliveries WHERE id = $1", []any{deliveryID}, &status, &attempts)
	ts.queryRow(t, "SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1 AND status_code = 500 AND response = 'answer 500'", []any{deliveryID}, &stored)
	if status != "failed" || attempts != 4 || stored != 4 {
		t.Fatalf("delivery %s after %d attempts (%d stored), want failed after 4", status, attempts, stored)
	}
	if n := len(rc.events("payment.pending")); n != 4 {
		t.Fatalf("receiver saw %d attempts, want 4", n)
	}
	// Redeliver once the merchant is fixed.
	rc.set(http.StatusOK)
	var eventID string
	ts.queryRow(t, "SELECT event_id FROM webhook_deliveries WHERE id = $1", []any{deliveryID}, &eventID)
	code, env := ts.merchantPOST(t, "/api/v1/webhooks/"+eventID+"/redeliver", map[string]any{})
	if code != http.StatusAccepted {
		t.Fatalf("redeliver: %d %v", code, env)
	}
	portstest.WaitFor(t, "redelivered", func() bool {
		ts.queryRow(t, "SELECT status FROM webhook_deliveries WHERE id = $1", []any{deliveryID}, &status)
		return status == "delivered"
	})
	if n := len(rc.events("payment.pending")); n != 5 {
		t.Fatalf("receiver saw %d attempts, want 5", n)
	}
}

// The sandbox merchant receiver verifies signatures and records arrivals.
func TestSandboxMerchantReceiver(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn := createFor(t, ts, ts.base+"/sandbox/merchant/webhook", "10.00")
	portstest.WaitFor(t, "sandbox receiver", func() bool {
		for _, r := range ts.merchant.Received() {
			if r.Event == "payment.pending" && r.Verified && strings.Contains(string(r.Body), txn) {
				return true
			}
		}
		return false
	})
	body := []byte(`{"id":"evt_x"}`)
	if err := webhook.Verify(body, "t=1,v1=00", [][]byte{[]byte("wrong")}, webhook.DefaultTolerance, time.Unix(1, 0)); err == nil {
		t.Fatal("bad signature verified")
	}
}
