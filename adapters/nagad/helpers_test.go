package nagad_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// callbackURL is paycore's Nagad return route as the tests configure it.
const callbackURL = "https://paycore.example/callbacks/nagad"

// t0 is 2025-01-14 15:30:12 in Dhaka.
var t0 = time.Date(2025, 1, 14, 9, 30, 12, 0, time.UTC)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// callLog records Config.Observe calls.
type callLog struct {
	mu    sync.Mutex
	calls []nagad.Call
}

func (l *callLog) observe(c nagad.Call) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

func (l *callLog) last() nagad.Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) == 0 {
		return nagad.Call{}
	}
	return l.calls[len(l.calls)-1]
}

// simEnv runs the client against paycore's Nagad simulator mounted as
// sandbox mode mounts it; the client gets nothing but the simulator's
// credentials (read over HTTP from /credentials) and base URL.
type simEnv struct {
	sim    *nagadsim.Simulator
	clock  *portstest.Clock
	client *nagad.Client
	creds  nagadsim.Credentials
	public string // the simulator's mount URL
	logs   *syncBuffer
	calls  *callLog
}

func newSimEnv(t *testing.T, mutate ...func(*nagad.Config)) *simEnv {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/nagad"
	clock := portstest.NewClock(t0)
	sim, err := nagadsim.New(nagadsim.Config{PublicURL: public, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/sandbox/nagad/", http.StripPrefix("/sandbox/nagad", sim.Handler()))
	srv.Start()
	t.Cleanup(func() { sim.Close(); srv.Close() })

	resp, err := http.Get(public + "/credentials")
	if err != nil {
		t.Fatal(err)
	}
	var creds nagadsim.Credentials
	if err := json.NewDecoder(resp.Body).Decode(&creds); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	e := &simEnv{sim: sim, clock: clock, creds: creds, public: public, logs: &syncBuffer{}, calls: &callLog{}}
	cfg := nagad.Config{
		BaseURL: public + nagadsim.APIPrefix, MerchantID: creds.MerchantID, MerchantNumber: creds.MerchantNumber,
		MerchantPrivateKey: creds.MerchantPrivateKey, PGPublicKey: creds.PGPublicKey,
		CallbackURL: callbackURL, ClientIP: "203.0.113.10", Timeout: 2 * time.Second, Clock: clock,
		Logger:  slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: e.calls.observe,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := nagad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func bdt(paisa int64) domain.Money { return domain.MustMoney(paisa, "BDT") }

func newAttempt() string { return domain.NewID(domain.PrefixAttempt) }

// browser follows no redirects: the test reads the 303.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// create opens a payment for a new attempt.
func (e *simEnv) create(t *testing.T, amount domain.Money) (string, ports.CreateResult) {
	t.Helper()
	att := newAttempt()
	res, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: att, Amount: amount})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return att, res
}

// submit posts the payment page form like a customer and returns the
// callback query Nagad redirects to (303), or fails the test.
func (e *simEnv) submit(t *testing.T, page string, form url.Values) url.Values {
	t.Helper()
	resp, err := browser.PostForm(page, form)
	if err != nil {
		t.Fatalf("payment page: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment page answered %d, want 303: %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, callbackURL+"/?") {
		t.Fatalf("redirect to %q, want %s/?…", loc, callbackURL)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func payForm(wallet string) url.Values {
	return url.Values{"wallet": {wallet}, "otp": {nagadsim.SandboxOTP}, "pin": {nagadsim.SandboxPIN}, "action": {"pay"}}
}

// pay creates a payment and pays it on the page; it returns the attempt,
// the create result and the callback query.
func (e *simEnv) pay(t *testing.T, amount domain.Money) (string, ports.CreateResult, url.Values) {
	t.Helper()
	att, res := e.create(t, amount)
	return att, res, e.submit(t, res.RedirectURL, payForm("01711111111"))
}

// callback flattens a query as paycore's callback route hands it over.
func callback(q url.Values) map[string]string {
	m := map[string]string{}
	for k := range q {
		m[k] = q.Get(k)
	}
	return m
}
