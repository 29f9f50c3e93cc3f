package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// testServer is a whole paycore node in sandbox mode on a random port, on
// its own database, with the bKash simulator mounted.
type testServer struct {
	*server
	base string
	db   *postgres.DB
	m    merchant
	stop func()
}

func startServer(t testing.TB) *testServer { return startServerWith(t, nil) }

// startServerWith lets a test adjust the configuration first.
func startServerWith(t testing.TB, adjust func(*config)) *testServer {
	t.Helper()
	db, dsn := pgtest.New(t)
	ts, _ := startServerOn(t, db, dsn, adjust)
	return ts
}

// startServerClock starts a node, on a database of its own, whose clock is
// clock: time passes for paycore only when the test moves it (River and the
// HTTP stack keep real time).
func startServerClock(t testing.TB, adjust func(*config), clock ports.Clock) *testServer {
	t.Helper()
	db, dsn := pgtest.New(t)
	ts, _ := startNode(t, db, dsn, adjust, clock)
	return ts
}

// startServerOn starts a node on an existing database and returns it with
// a stop func that shuts it down (also run at cleanup).
func startServerOn(t testing.TB, db *postgres.DB, dsn string, adjust func(*config)) (*testServer, func()) {
	t.Helper()
	return startNode(t, db, dsn, adjust, nil)
}

// startNode starts a node; clock nil is the system clock.
func startNode(t testing.TB, db *postgres.DB, dsn string, adjust func(*config), clock ports.Clock) (*testServer, func()) {
	t.Helper()
	return startNodeWith(t, db, dsn, adjust, buildOptions{Clock: clock})
}

// startNodeWith is startNode with build options (the test's River polling
// and no periodic tasks are set here).
func startNodeWith(t testing.TB, db *postgres.DB, dsn string, adjust func(*config), opt buildOptions) (*testServer, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config{
		DatabaseURL: dsn, Addr: ln.Addr().String(), BaseURL: base, Sandbox: true,
		MasterKey: secret.SandboxKey(), TokenKey: []byte("test token key, at least 32 bytes long"),
		PaymentTTL: time.Hour, RatePerMinute: 1_000_000, LogRetention: 24 * time.Hour,
		GatewayHooks: map[domain.Gateway]app.GatewayHookConfig{domain.GatewayBkash: {Secret: []byte(testHookSecret)}},
	}
	if adjust != nil {
		adjust(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	opt.PollInterval, opt.NoPeriodicTasks = 200*time.Millisecond, true
	s, err := build(ctx, cfg, log, opt)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := s.start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.serve(ctx, ln)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return &testServer{server: s, base: base, db: db, stop: stop,
		m: merchant{base: base, key: demoAPIKey, secret: demoAPISecret, http: &http.Client{Timeout: 60 * time.Second}}}, stop
}

// testHookSecret signs the bKash side's calls to POST /api/v1/webhook.
const testHookSecret = "test_bkash_hook_secret"

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (ts *testServer) queryRow(t *testing.T, sql string, args []any, dest ...any) {
	t.Helper()
	if err := ts.db.Pool.QueryRow(context.Background(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestPayWithBkashSuccess(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	var log strings.Builder
	res, err := payOnce(ctx, &log, ts.m, "01770618575", "pay", "250.00")
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if got := strings.Join(res.Statuses, ","); got != "pending,processing,success" {
		t.Fatalf("subscription saw %s, want pending,processing,success\n%s", got, log.String())
	}
	if res.ResultPage != "Payment successful" {
		t.Fatalf("result page %q", res.ResultPage)
	}
	var status, trxID, gateway string
	ts.queryRow(t, "SELECT status, trx_id, gateway FROM payments WHERE id = $1", []any{res.TransactionID}, &status, &trxID, &gateway)
	if status != "success" || len(trxID) != 10 || gateway != "bkash" {
		t.Fatalf("payment %s trx %q gateway %q", status, trxID, gateway)
	}
	// The SMS job ran after commit and went to the SMS simulator (sandbox mode's default).
	portstest.WaitFor(t, "sms sent", func() bool {
		var n int
		ts.queryRow(t, "SELECT count(*) FROM notifications WHERE payment_id = $1 AND status = 'sent' AND provider = 'bulksmsbd' AND recipient = '8801770618575' AND body LIKE '%'||$2||'%'",
			[]any{res.TransactionID, trxID}, &n)
		return n == 1
	})
	st := ts.sim.Stats()
	if st["create"] != 1 || st["execute"] != 1 || st["query"] != 0 || st["grant"] != 1 {
		t.Fatalf("simulator stats %v: want one grant, create and execute and no query", st)
	}
}

func TestPayWithBkashCancel(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	var log strings.Builder
	res, err := payOnce(context.Background(), &log, ts.m, "01770618575", "cancel", "99")
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if res.ResultPage != "Payment cancelled" {
		t.Fatalf("result page %q\n%s", res.ResultPage, log.String())
	}
	var pStatus, aStatus string
	ts.queryRow(t, "SELECT p.status, a.status FROM payments p JOIN attempts a ON a.payment_id = p.id WHERE p.id = $1", []any{res.TransactionID}, &pStatus, &aStatus)
	if pStatus != "pending" || aStatus != "cancelled" {
		t.Fatalf("payment %s attempt %s, want pending/cancelled", pStatus, aStatus)
	}
	if n := ts.sim.Stats()["execute"]; n != 0 {
		t.Fatalf("execute called %d times on cancel (docs/gateways/bkash.md §2.4)", n)
	}
}

func TestPayWithBkashInsufficientBalance(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	var log strings.Builder
	res, err := payOnce(context.Background(), &log, ts.m, "01823074817", "pay", "500.00")
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if res.ResultPage != "Payment failed" {
		t.Fatalf("result page %q", res.ResultPage)
	}
	var pStatus, aStatus, code, msg string
	ts.queryRow(t, "SELECT p.status, a.status, a.failure_code, a.failure_message FROM payments p JOIN attempts a ON a.payment_id = p.id WHERE p.id = $1",
		[]any{res.TransactionID}, &pStatus, &aStatus, &code, &msg)
	if pStatus != "pending" || aStatus != "failed" || code != "2023" || msg != "Insufficient Balance" {
		t.Fatalf("payment %s attempt %s %s %q", pStatus, aStatus, code, msg)
	}
	// The customer sees bKash's statusMessage (docs/gateways/bkash.md §2.6).
	_, _, body, err := newBrowser().do(context.Background(), http.MethodGet, ts.base+"/pay/"+res.TransactionID+"/result", nil)
	if err != nil || !strings.Contains(body, "Insufficient Balance") {
		t.Fatalf("result page does not show statusMessage: %v\n%s", err, body)
	}
}

// startAttempt creates a payment and opens a bKash attempt without paying:
// it returns the transaction ID and the bKash paymentID.
func startAttempt(t *testing.T, ts *testServer) (string, string, string) {
	t.Helper()
	ctx := context.Background()
	var created createdPayment
	if err := ts.m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "ORD-" + nonce()[:8], "amount": "100", "currency": "BDT", "returnURL": "https://shop.example.com/r",
	}}, &created); err != nil {
		t.Fatal(err)
	}
	txn := created.CreatePayment.Payment.TransactionID
	code, walletURL, _, err := newBrowser().do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/bkash", url.Values{})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("start: %d %v", code, err)
	}
	u, _ := url.Parse(walletURL)
	return txn, u.Query().Get("paymentId"), walletURL
}

func TestForgedCallbackIsNotSuccess(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	txn, paymentID, _ := startAttempt(t, ts)
	b := newBrowser()
	// The customer never approved: a hand-made success callback.
	code, loc, _, err := b.do(ctx, http.MethodGet, ts.base+"/callbacks/bkash?paymentID="+paymentID+"&status=success&apiVersion=1.2.0-beta/", nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback: %d %v", code, err)
	}
	_, _, body, _ := b.do(ctx, http.MethodGet, loc, nil)
	if !strings.Contains(body, "Payment failed") {
		t.Fatalf("result page:\n%s", body)
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "pending" {
		t.Fatalf("payment %s after forged callback, want pending", status)
	}
	// A paymentID bKash never issued to us.
	code, _, _, _ = b.do(ctx, http.MethodGet, ts.base+"/callbacks/bkash?paymentID=TR0011forged1764000000000&status=success", nil)
	if code != http.StatusNotFound {
		t.Fatalf("unknown paymentID: HTTP %d, want 404", code)
	}
}

func TestConcurrentCallbacksExecuteOnce(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	txn, _, walletURL := startAttempt(t, ts)
	b := newBrowser()
	code, callback, _, err := b.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {"01929918378"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("wallet: %d %v", code, err)
	}
	var wg sync.WaitGroup
	locs := make([]string, 20)
	codes := make([]int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], locs[i], _, _ = b.do(ctx, http.MethodGet, callback, nil)
		}()
	}
	wg.Wait()
	for i := range 20 {
		if codes[i] != http.StatusSeeOther || locs[i] != locs[0] {
			t.Fatalf("callback %d: %d %s (first: %s)", i, codes[i], locs[i], locs[0])
		}
	}
	if n := ts.sim.Stats()["execute"]; n != 1 {
		t.Fatalf("execute called %d times for 20 callbacks, want 1", n)
	}
	var status string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &status)
	if status != "success" {
		t.Fatalf("payment %s", status)
	}
	_, _, body, _ := b.do(ctx, http.MethodGet, locs[0], nil)
	if !strings.Contains(body, "Payment successful") {
		t.Fatalf("result page:\n%s", body)
	}
}
