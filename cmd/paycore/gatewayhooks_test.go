package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// gatewayPost sends an event to POST /api/v1/webhook as the gateway would.
func gatewayPost(t *testing.T, ts *testServer, secret string, ev map[string]any, at time.Time) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(ev)
	tstr := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(tstr + "."))
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, ts.base+"/api/v1/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gateway", "bkash")
	req.Header.Set("X-Webhook-Signature", "t="+tstr+",v1="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env
}

func (ts *testServer) hookVerdicts(t *testing.T, eventID string) map[string]int {
	t.Helper()
	rows, err := ts.db.Pool.Query(context.Background(), "SELECT verdict, count(*) FROM gateway_webhooks WHERE event_id = $1 GROUP BY verdict", eventID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		out[v] = n
	}
	return out
}

func TestIncomingGatewayWebhooks(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn := paid(t, ts, "400.00")
	dispute := map[string]any{"id": "gw_evt_1", "event": "payment.disputed", "transaction_id": txn,
		"amount": 400.00, "currency": "BDT", "status": "disputed", "gateway_ref": "X", "timestamp": time.Now().UTC().Format(time.RFC3339)}

	// Bad signature: refused, logged, nothing changes.
	if code, _ := gatewayPost(t, ts, "wrong secret", dispute, time.Now()); code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", code)
	}
	// Stale signature.
	if code, _ := gatewayPost(t, ts, testHookSecret, dispute, time.Now().Add(-10*time.Minute)); code != http.StatusUnauthorized {
		t.Fatalf("stale signature: %d", code)
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "success" {
		t.Fatalf("payment %s after refused webhooks", status)
	}
	// Good signature: the payment is disputed, the merchant told.
	code, env := gatewayPost(t, ts, testHookSecret, dispute, time.Now())
	if code != http.StatusOK || env["data"].(map[string]any)["verdict"] != "accepted" {
		t.Fatalf("dispute: %d %v", code, env)
	}
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "disputed" {
		t.Fatalf("payment %s, want disputed", status)
	}
	var events int
	ts.queryRow(t, "SELECT count(*) FROM events WHERE payment_id = $1 AND type = 'payment.disputed'", []any{txn}, &events)
	if events != 1 {
		t.Fatalf("payment.disputed events = %d", events)
	}
	// Replayed id: answered, recognised, applied once.
	code, env = gatewayPost(t, ts, testHookSecret, dispute, time.Now())
	if code != http.StatusOK || env["data"].(map[string]any)["verdict"] != "duplicate" {
		t.Fatalf("replay: %d %v", code, env)
	}
	if v := ts.hookVerdicts(t, "gw_evt_1"); v["bad_signature"] != 2 || v["accepted"] != 1 || v["duplicate"] != 1 {
		t.Fatalf("logged verdicts %v", v)
	}
	// Unknown transaction: 404, logged.
	unknown := map[string]any{"id": "gw_evt_2", "event": "payment.success", "transaction_id": "txn_nosuch"}
	if code, _ := gatewayPost(t, ts, testHookSecret, unknown, time.Now()); code != http.StatusNotFound {
		t.Fatalf("unknown transaction: %d", code)
	}
	if v := ts.hookVerdicts(t, "gw_evt_2"); v["unknown_transaction"] != 1 {
		t.Fatalf("logged verdicts %v", v)
	}
	var raw string
	ts.queryRow(t, "SELECT body FROM gateway_webhooks WHERE event_id = 'gw_evt_2'", nil, &raw)
	if !bytes.Contains([]byte(raw), []byte("txn_nosuch")) {
		t.Fatalf("raw body not logged: %q", raw)
	}
}

func TestIncomingGatewayWebhookWrongSource(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) {
		c.GatewayHooks = map[domain.Gateway]app.GatewayHookConfig{domain.GatewayBkash: {
			Secret: []byte(testHookSecret), Sources: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}}
	})
	ev := map[string]any{"id": "gw_evt_9", "event": "payment.success", "transaction_id": "txn_x"}
	if code, _ := gatewayPost(t, ts, testHookSecret, ev, time.Now()); code != http.StatusForbidden {
		t.Fatalf("wrong source: %d, want 403", code)
	}
	var verdict, ip string
	ts.queryRow(t, "SELECT verdict, source_ip FROM gateway_webhooks WHERE event_id = 'gw_evt_9'", nil, &verdict, &ip)
	if verdict != "forbidden_source" || ip != "127.0.0.1" {
		t.Fatalf("logged %s from %s", verdict, ip)
	}
}
