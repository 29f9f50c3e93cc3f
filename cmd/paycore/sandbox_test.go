package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/domain"
)

// startSandbox runs `paycore sandbox` in this process on a free loopback
// port, until the test ends.
func startSandbox(t *testing.T) *sandboxServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := newSandboxServer("http://"+ln.Addr().String(), redirectgwsim.DefaultClientBaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sb.serve(ctx, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox: %v", err)
		}
	})
	return sb
}

// getStats reads a simulator's call counts over HTTP.
func getStats(t *testing.T, url string) map[string]int {
	t.Helper()
	var st map[string]int
	if err := getJSON(context.Background(), http.DefaultClient, url, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// paycore pointed at a standalone sandbox (PAYCORE_SANDBOX_URL) mounts no
// simulator of its own, takes each gateway's credentials from the sandbox,
// and pays through it; killed and started again on the same database, it
// finds the gateways as it left them: bKash still knows the payment (the
// refund goes through) and the id_token (no second grant).
func TestStandaloneSandboxOutlivesPaycore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := startSandbox(t)
	db, dsn := pgtest.New(t)
	external := func(c *config) { c.SandboxURL = sb.root }

	first, stop := startServerOn(t, db, dsn, external)
	if first.sims != nil {
		t.Fatal("paycore created simulators of its own")
	}
	if code, _, _, err := newBrowser().do(ctx, http.MethodGet, first.base+"/sandbox/bkash/stats", nil); err != nil || code != http.StatusNotFound {
		t.Fatalf("paycore's own /sandbox/bkash/stats: %d %v, want 404", code, err)
	}
	var log strings.Builder
	res, err := pay(ctx, &log, first.m, payParams{Gateway: domain.GatewayBkash, Wallet: "01770618575", Action: "pay",
		Amount: "500.00", WebhookURL: sb.root + "/sandbox/merchant/webhook"})
	if err != nil || res.Statuses[len(res.Statuses)-1] != "success" {
		t.Fatalf("pay: %v %v\n%s", err, res.Statuses, log.String())
	}
	if !strings.Contains(log.String(), sb.root+"/sandbox/bkash/checkout") {
		t.Fatalf("the customer was not sent to the sandbox's bKash:\n%s", log.String())
	}
	// The signed webhook lands at the sandbox's merchant (a River job: it
	// waits for it).
	if hooks, err := landedWebhooks(ctx, sb.root, res.TransactionID, "payment.success", 10*time.Second); err != nil ||
		len(hooks) == 0 || !hooks[0].Verified {
		t.Fatalf("webhooks at the sandbox merchant: %+v %v", hooks, err)
	}

	stop() // paycore goes; the sandbox stays
	second, _ := startServerOn(t, db, dsn, external)
	code, env := second.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": res.TransactionID,
		"amount": json.Number("200.00"), "reason": "after a restart"})
	if code != http.StatusCreated {
		t.Fatalf("refund: %d %v", code, env)
	}
	second.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")

	st := getStats(t, sb.root+"/sandbox/bkash/stats")
	if st["grant"] != 1 || st["create"] != 1 || st["execute"] != 1 || st["refund"] != 1 {
		t.Fatalf("sandbox bKash stats %v: want the one grant, create and execute from before the restart and the refund after it", st)
	}
	var paymentID string
	second.queryRow(t, `SELECT gateway_ref FROM attempts WHERE payment_id = $1 AND status = 'succeeded'`,
		[]any{res.TransactionID}, &paymentID)
	if p, ok := sb.sims.bkash.Payment(paymentID); !ok {
		t.Fatalf("the sandbox forgot bKash payment %s", paymentID)
	} else {
		t.Logf("sandbox still holds %+v", p)
	}
}

// A sandbox that does not answer stops paycore at start-up, naming the
// variable.
func TestSandboxURLUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	_, dsn := pgtest.New(t)
	cfg := config{DatabaseURL: dsn, Addr: "127.0.0.1:0", BaseURL: "http://127.0.0.1:1", Sandbox: true, SandboxURL: gone,
		MasterKey: secret.SandboxKey(), TokenKey: []byte("test token key, at least 32 bytes long"), RatePerMinute: 1}
	_, err = build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), buildOptions{NoPeriodicTasks: true})
	if err == nil || !strings.Contains(err.Error(), "PAYCORE_SANDBOX_URL") {
		t.Fatalf("build with a sandbox that is not there: %v", err)
	}
}
