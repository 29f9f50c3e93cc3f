package main

// Hardening of the unauthenticated POST /api/v1/webhook (issue 10, item 8):
// floods of unsigned calls are counted and sampled, not stored whole; each
// source IP is rate limited; an event's id comes from the signed body only.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawHookPost sends body to POST /api/v1/webhook for gateway, signed with
// secret at now ("" → unsigned), with extra headers.
func rawHookPost(t *testing.T, ts *testServer, gateway, secret string, body []byte, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.base+"/api/v1/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gateway", gateway)
	if secret != "" {
		tstr := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(tstr + "."))
		mac.Write(body)
		req.Header.Set("X-Webhook-Signature", "t="+tstr+",v1="+hex.EncodeToString(mac.Sum(nil)))
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// metricsText is the node's /metrics page.
func (ts *testServer) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(ts.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestGatewayWebhookFloodIsCountedAndSampled(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	big := v1JSON(map[string]any{"id": "flood", "event": "payment.success", "transaction_id": "txn_x",
		"junk": strings.Repeat("A", 60<<10)})
	const n = 40
	for i := range n {
		if code, _, raw := rawHookPost(t, ts, "bkash", "not the secret", big, nil); code != http.StatusUnauthorized {
			t.Fatalf("bad signature %d: HTTP %d %s", i, code, raw)
		}
		if code, _, raw := rawHookPost(t, ts, "nosuchgateway", "", big, nil); code != http.StatusNotFound {
			t.Fatalf("unknown gateway %d: HTTP %d %s", i, code, raw)
		}
	}
	// Bytes PostgreSQL text cannot hold, from anyone: refused, never a 500.
	hostile := []byte("{\"id\":\"x\x00y\",\"junk\":\"\xff\xfe\"}")
	if code, _, raw := rawHookPost(t, ts, "nosuch\xffgateway", "", hostile, nil); code != http.StatusNotFound {
		t.Fatalf("hostile bytes: HTTP %d %s", code, raw)
	}
	if code, _, raw := rawHookPost(t, ts, "bkash", "not the secret", hostile, nil); code != http.StatusUnauthorized {
		t.Fatalf("hostile bytes, bad signature: HTTP %d %s", code, raw)
	}

	// Stored: a capped sample (the run may straddle a minute), bodies cut.
	var rows, longest int
	ts.queryRow(t, "SELECT count(*), coalesce(max(octet_length(body)), 0) FROM gateway_webhooks", nil, &rows, &longest)
	if rows < 2 || rows > 4*10+2 {
		t.Fatalf("%d unauthenticated calls stored %d rows, want a sample of at most 10 per verdict per minute", 2*n+2, rows)
	}
	if longest > 300 {
		t.Fatalf("a stored body is %d bytes, want at most a few hundred", longest)
	}
	var withBody int
	ts.queryRow(t, "SELECT count(*) FROM gateway_webhooks WHERE body LIKE '%AAAA%'", nil, &withBody)
	if withBody == 0 {
		t.Fatal("sampled rows keep no part of the body")
	}
	// Counted: every call, by verdict.
	m := ts.metricsText(t)
	for _, want := range []string{
		`paycore_gateway_webhooks_total{verdict="bad_signature"} 41`,
		`paycore_gateway_webhooks_total{verdict="unknown_gateway"} 41`,
	} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics lack %s:\n%s", want, grepLines(m, "paycore_gateway_webhooks"))
		}
	}
	// Signed calls are still stored whole.
	txn := paid(t, ts, "20.00")
	ev := v1JSON(map[string]any{"id": "gw_evt_whole", "event": "payment.success", "transaction_id": txn,
		"note": strings.Repeat("B", 2000)})
	if code, _, raw := rawHookPost(t, ts, "bkash", testHookSecret, ev, nil); code != http.StatusOK {
		t.Fatalf("signed event: HTTP %d %s", code, raw)
	}
	var body string
	ts.queryRow(t, "SELECT body FROM gateway_webhooks WHERE event_id = 'gw_evt_whole'", nil, &body)
	if body != string(ev) {
		t.Fatalf("signed call's body stored as %d bytes, want the whole %d", len(body), len(ev))
	}
	if m := ts.metricsText(t); !strings.Contains(m, `paycore_gateway_webhooks_total{verdict="accepted"} 1`) {
		t.Fatalf("accepted not counted:\n%s", grepLines(m, "paycore_gateway_webhooks"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestGatewayWebhookRateLimitPerSourceIP(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) {
		// Trust X-Forwarded-For from the test's loopback "proxy", so each
		// call can come from its own source address.
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	body := v1JSON(map[string]any{"id": "rl", "event": "payment.success", "transaction_id": "txn_x"})
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	limited := 0
	for i := 1; i <= 400; i++ {
		code, h, raw := rawHookPost(t, ts, "bkash", "bad", body, from("203.0.113.7"))
		if code == http.StatusTooManyRequests {
			if i < 300 {
				t.Fatalf("429 after %d calls, want at least a minute's worth (300)", i)
			}
			if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("429 without Retry-After: %q", h.Get("Retry-After"))
			}
			var env v1Envelope
			if json.Unmarshal(raw, &env) != nil || env.Code != 429 || env.Success {
				t.Fatalf("429 body %s", raw)
			}
			limited = i
			break
		}
		if code != http.StatusUnauthorized {
			t.Fatalf("call %d: HTTP %d %s", i, code, raw)
		}
	}
	if limited == 0 {
		t.Fatal("400 calls from one source IP within seconds were never limited")
	}
	// Another source is not held back by the first.
	if code, _, raw := rawHookPost(t, ts, "bkash", "bad", body, from("203.0.113.8")); code != http.StatusUnauthorized {
		t.Fatalf("other source: HTTP %d %s", code, raw)
	}
	if m := ts.metricsText(t); !strings.Contains(m, `paycore_gateway_webhooks_total{verdict="rate_limited"} 1`) {
		t.Fatalf("rate-limited call not counted:\n%s", grepLines(m, "paycore_gateway_webhooks"))
	}
}

// An event's id is the signed body's: an unsigned X-Webhook-Id never names
// it (it could replay one signed event under many ids).
func TestGatewayWebhookIDFromSignedBodyOnly(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn := paid(t, ts, "30.00")
	ev := v1JSON(map[string]any{"event": "payment.disputed", "transaction_id": txn, "status": "disputed"})
	code, _, raw := rawHookPost(t, ts, "bkash", testHookSecret, ev, map[string]string{"X-Webhook-Id": "hdr_evt_1"})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("event without a body id: HTTP %d %s, want 422", code, raw)
	}
	var env v1Envelope
	if err := json.Unmarshal(raw, &env); err != nil || len(env.Errors["id"]) == 0 {
		t.Fatalf("422 does not name id: %s", raw)
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "success" {
		t.Fatalf("payment %s after an event without a signed id", status)
	}
	if n := v1Count(t, ts, "SELECT count(*) FROM gateway_webhooks WHERE event_id = 'hdr_evt_1'"); n != 0 {
		t.Fatalf("the unsigned header's id was logged as the event id (%d rows)", n)
	}
}
